/** health against stand-in services on 127.0.0.1: the plan's own ports pointed at them, healthy and failing. */
import { afterEach, describe, expect, it } from "vitest";
import { resolveEndpoints } from "../../ops/endpoints";
import { checkHealth, healthSummary, type HealthDeps } from "../../ops/health/run-health";
import { healthTable } from "../../ops/health/report";
import { healthcheckHttpPath, healthTargets } from "../../ops/health/targets";
import { verdictFromState } from "../../ops/docker-cli";
import type { StackPlan } from "../../lib/plan/stack-plan";
import { handBuiltService, planOf, withServices } from "./support/plans";
import { closedPorts, routes, standIn, type StandIn } from "./support/stand-in";

const P2_PORT_KEYS: Record<string, string> = {
  "inference-chat": "inference.chat.hostPort",
  "inference-code": "inference.code.hostPort",
  "api-gateway": "gateway.hostPort",
  qdrant: "qdrant.httpPort",
  "embedding-server": "embedding.server.hostPort",
  embedding: "embedding.hostPort",
  rag: "rag.hostPort",
};

/** These tests are about HTTP readiness; the healer publishes no port (Docker's health state covers it, tested below). */
const WITHOUT_HEALER = ["healer.enabled=false"];

const HEALTHY: Record<string, Record<string, [number, unknown]>> = {
  "inference-chat": { "/health": [200, { status: "ok" }] },
  "inference-code": { "/health": [200, { status: "ok" }] },
  "api-gateway": { "/health/liveliness": [200, '"I\'m alive!"'] },
  qdrant: { "/readyz": [200, "all shards are ready"] },
  "embedding-server": { "/health": [200, { status: "ok" }] },
  embedding: { "/health": [200, { ok: true, model: "BAAI/bge-small-en-v1.5", dim: 384, loading: false }] },
  rag: {
    "/health": [
      200,
      {
        status: "healthy",
        dependencies: {
          qdrant: { status: "healthy" },
          embedding: { status: "healthy" },
          api_gateway: { status: "healthy" },
          llm: { status: "not_checked" },
        },
      },
    ],
  },
};

let servers: StandIn[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** One stand-in per p2 service, and the p2 plan with each host port set to its stand-in's port. */
async function p2Against(
  answers: Record<string, Record<string, [number, unknown]>>,
): Promise<{ plan: StackPlan; byService: Record<string, StandIn> }> {
  const byService: Record<string, StandIn> = {};
  for (const service of Object.keys(P2_PORT_KEYS)) byService[service] = await standIn(routes(answers[service] ?? {}));
  servers.push(...Object.values(byService));
  const sets = Object.entries(P2_PORT_KEYS).map(([service, key]) => `${key}=${byService[service]!.port}`);
  return { plan: await planOf("p2", [...WITHOUT_HEALER, ...sets]), byService };
}

async function urlsOf(plan: StackPlan) {
  return (await resolveEndpoints(plan, async () => ({ reason: "test: no deployed stack" }))).urls;
}

const noDocker: HealthDeps["containerHealth"] = async () => ({ state: "down", detail: "test has no Docker" });

describe("health", () => {
  it("reports every p2 service up against healthy stand-ins, with latency, each at its readiness path", async () => {
    const { plan, byService } = await p2Against(HEALTHY);
    const rows = await checkHealth(plan, { urls: await urlsOf(plan), containerHealth: noDocker });
    expect(rows.map((r) => r.service)).toEqual(plan.services.map((s) => s.service));
    for (const row of rows) {
      expect(row.state, `${row.service}: ${row.detail}`).toBe("up");
      expect(row.httpStatus).toBe(200);
      expect(row.latencyMs).toBeGreaterThanOrEqual(0);
      expect(row.blocks).toEqual([]);
    }
    expect(byService["api-gateway"]!.seen).toEqual(["GET /health/liveliness"]);
    expect(byService.qdrant!.seen).toEqual(["GET /readyz"]);
    expect(rows.find((r) => r.service === "embedding")!.detail).toContain("384");
    expect(healthSummary(rows)).toBe("all 7 services are up");
  });

  it("tells loading llama.cpp and embedding from down, reports RAG's dependencies, and names what each failure blocks", async () => {
    const { plan, byService } = await p2Against({
      ...HEALTHY,
      "inference-chat": { "/health": [503, { error: { code: 503, message: "Loading model", type: "unavailable_error" } }] },
      embedding: { "/health": [200, { ok: false, loading: true, model: "BAAI/bge-small-en-v1.5" }] },
      rag: {
        "/health": [
          503,
          {
            status: "degraded",
            dependencies: {
              qdrant: { status: "unhealthy", error: "connection refused" },
              embedding: { status: "healthy" },
              api_gateway: { status: "healthy" },
              llm: { status: "not_checked" },
            },
          },
        ],
      },
    });
    await byService.qdrant!.close();
    servers = servers.filter((s) => s !== byService.qdrant);

    const rows = await checkHealth(plan, { urls: await urlsOf(plan), containerHealth: noDocker });
    const row = (service: string) => rows.find((r) => r.service === service)!;
    expect(row("inference-chat")).toMatchObject({ state: "loading", httpStatus: 503, blocks: ["api-gateway", "rag"] });
    expect(row("inference-code").state).toBe("up");
    expect(row("embedding")).toMatchObject({ state: "loading", blocks: ["rag"] });
    expect(row("qdrant")).toMatchObject({ state: "down", blocks: ["rag"] });
    expect(row("qdrant").detail).toContain("connection refused");
    expect(row("rag").state).toBe("degraded");
    expect(row("rag").detail).toContain("qdrant unhealthy (connection refused)");
    expect(row("rag").detail).not.toContain("llm");
    expect(healthSummary(rows)).toBe("3 of 7 services up; not up: inference-chat, qdrant, embedding, rag");

    const table = healthTable(rows);
    for (const service of ["inference-chat", "qdrant", "embedding", "rag"]) expect(table).toContain(service);
    expect(table).toContain("LOADING");
  });

  it("with nothing listening, every service is down and named", async () => {
    const ports = await closedPorts(Object.keys(P2_PORT_KEYS).length);
    const plan = await planOf("p2", [...WITHOUT_HEALER, ...Object.values(P2_PORT_KEYS).map((key, i) => `${key}=${ports[i]}`)]);
    const rows = await checkHealth(plan, { urls: await urlsOf(plan), containerHealth: noDocker, timeoutMs: 3000 });
    expect(rows.every((r) => r.state === "down")).toBe(true);
    expect(healthSummary(rows)).toContain("0 of 7 services up");
  });

  it("asks Docker about a service without a published port, and names the services it blocks", async () => {
    const { plan: p2 } = await p2Against(HEALTHY);
    const maintainer = await handBuiltService(p2, { service: "memory-maintainer", group: "memory", dependsOn: ["qdrant"] });
    const watcher = await handBuiltService(p2, { service: "watcher", group: "monitoring", dependsOn: ["memory-maintainer"] });
    const plan = withServices(p2, [maintainer, watcher]);
    const asked: string[] = [];
    const rows = await checkHealth(plan, {
      urls: await urlsOf(plan),
      containerHealth: async (name) => {
        asked.push(name);
        return verdictFromState({
          Running: true,
          Health: { Status: name === "memory-maintainer" ? "unhealthy" : "healthy", Log: [{ Output: "schedule not installed" }] },
        });
      },
    });
    expect(asked.sort()).toEqual(["memory-maintainer", "watcher"]);
    expect(rows.find((r) => r.service === "memory-maintainer")).toMatchObject({ state: "down", blocks: ["watcher"] });
    expect(rows.find((r) => r.service === "memory-maintainer")!.detail).toContain("schedule not installed");
    expect(rows.find((r) => r.service === "watcher")!.state).toBe("up");
  });
});

describe("health targets", () => {
  it("p2: one readiness check per planned service, over HTTP but for the healer and its proxy (no published port: Docker's health state)", async () => {
    const plan = await planOf("p2");
    const targets = healthTargets(plan);
    expect(targets.map((t) => t.service)).toEqual(plan.services.map((s) => s.service));
    expect(targets.filter((t) => t.kind !== "http").map((t) => t.service)).toEqual(["docker-api-proxy", "healer"]);
  });

  it("a service with no known readiness route is asked at its container healthcheck's path", async () => {
    const p2 = await planOf("p2");
    const custom = await handBuiltService(p2, { service: "custom", group: "rag", port: { internal: 7000, external: 17000 } });
    expect(healthcheckHttpPath(custom)).toEqual({ port: 7000, path: "/health" });
    const qdrant = p2.services.find((s) => s.service === "qdrant")!;
    expect(healthcheckHttpPath(qdrant)).toEqual({ port: 6333, path: "/readyz" });
    const target = healthTargets(withServices(p2, [custom])).find((t) => t.service === "custom")!;
    expect(target).toMatchObject({ kind: "http", endpoint: "custom" });
    expect(target.kind === "http" && target.readiness.path).toBe("/health");
  });
});

describe("docker state as a verdict", () => {
  it.each([
    [{ Running: false, Status: "exited" }, "down"],
    [{ Running: true }, "up"],
    [{ Running: true, Health: { Status: "starting" } }, "loading"],
    [{ Running: true, Health: { Status: "healthy" } }, "up"],
    [{ Running: true, Health: { Status: "unhealthy" } }, "down"],
  ])("%j -> %s", (state, expected) => {
    expect(verdictFromState(state).state).toBe(expected);
  });
});
