/**
 * Router mode on the real llama-server b9851, deployed by `pulumi up` with the
 * policy pack (router-stack.ts): a CPU router holding at most one of its
 * models, behind the real LiteLLM gateway, with a plain CPU server as the
 * failover tier. The router's children are counted through /proc, its model
 * states read from its own /models, its decisions from its log.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_TOKEN_FILE } from "../../lib/plan/service-token";
import { MASTER_KEY_ENV } from "../../lib/plan/gateway";
import { QDRANT_KEY_FILE, QDRANT_READ_ONLY_KEY_FILE, qdrantKeyInConfig } from "../../lib/plan/qdrant";
import { planContext } from "../../lib/plan/define-service";
import { deployedGatewayRig, type GatewayRig } from "../support/failover-rig";
import { routerChildren, routerModels, sampleChildren, timedCompletion } from "../support/llama-router-client";
import { containerEnv, containerLogs, containerSecret, inspect, llamaApiKey, sleep } from "./fault-rig";
import { dockerOk } from "../support/docker-cli";
import { prepareRouterDeploy, ROUTED } from "./router-stack";
import type { TrimmedDeploy } from "./trimmed-deploy";

let deploy: TrimmedDeploy;
let router: string;
let routerUrl: string;
let gateway: GatewayRig;
/** The router's key (--api-key-file): every call straight to it sends it. */
let auth: Record<string, string>;
const children = async () => routerChildren((await inspect(router)).pid).map((c) => c.alias);
const count = (text: string, needle: string) => text.split(needle).length - 1;
const spawnsOf = async (alias: string) => count(await containerLogs(router), `spawning server instance with name=${alias} `);

beforeAll(async () => {
  deploy = await prepareRouterDeploy();
  const up = await deploy.up();
  if (up.code !== 0) throw new Error(`pulumi up failed (${up.code}):\n${up.output.slice(-4000)}`);
  const { e2e } = deploy;
  router = deploy.name("inference-chat");
  routerUrl = `http://127.0.0.1:${e2e.ports["inference.chat.hostPort"]}`;
  auth = { authorization: `Bearer ${await llamaApiKey(router)}` };
  const masterKey = (await containerEnv(deploy.name("api-gateway")))[MASTER_KEY_ENV]!;
  gateway = deployedGatewayRig({
    ctx: planContext(e2e.stackConfig, { stack: e2e.stack, projectDir: e2e.programDir }),
    url: `http://127.0.0.1:${e2e.ports["gateway.hostPort"]}`,
    masterKey,
    logs: () => "",
  });
}, 900_000);

afterAll(async () => {
  const notes = deploy ? await deploy.cleanup() : [];
  if (notes.length) console.warn(notes.join("\n"));
}, 300_000);

describe("a llama-server router deployed with maxLoaded 1", () => {
  it("is healthy with no model loaded, and neither its probe nor the gateway's health checks load one", async () => {
    const spec = deploy.e2e.plan.services.find((s) => s.service === "inference-chat")!;
    await sleep(2 * spec.healthcheck.intervalSec * 1000 + 1000); // two probe rounds, and several gateway check rounds
    expect((await inspect(router)).health).toBe("healthy");
    expect(await children()).toEqual([]);
    expect(Object.values(await routerModels(routerUrl)).map((m) => m.status)).toEqual(["unloaded", "unloaded", "unloaded", "unloaded"]);
  }, 60_000);

  it("refuses a request without the stack's inference key, and leaves /health and /models public", async () => {
    const anonymous = await timedCompletion(routerUrl, ROUTED.chat);
    expect(anonymous.status).toBe(401);
    expect((await fetch(`${routerUrl}/health`)).status).toBe(200);
    expect((await fetch(`${routerUrl}/models`)).status).toBe(200);
    expect(await children()).toEqual([]);
  });

  it("loads a model on its first request, and unloads the other one first", async () => {
    const first = await timedCompletion(routerUrl, ROUTED.chat, auth);
    expect(first.status).toBe(200);
    expect(await children()).toEqual([ROUTED.chat]);
    const since = Date.now();
    const second = await timedCompletion(routerUrl, ROUTED.code, auth);
    expect(second.status).toBe(200);
    expect(await children()).toEqual([ROUTED.code]);
    const models = await routerModels(routerUrl);
    expect([models[ROUTED.chat]!.status, models[ROUTED.code]!.status]).toEqual(["unloaded", "loaded"]);
    // b9851's order: the least recently used one is unloaded and waited for, then the next one spawned.
    const log = await containerLogs(router, since - 1000);
    const evicted = log.indexOf(`models_max limit reached, removing LRU name=${ROUTED.chat}`);
    expect(evicted).toBeGreaterThanOrEqual(0);
    expect(log.indexOf(`spawning server instance with name=${ROUTED.code} `, evicted)).toBeGreaterThan(evicted);
  }, 60_000);

  it("keeps at most one child alive while requests alternate between two models", async () => {
    const sampler = sampleChildren((await inspect(router)).pid, 5);
    for (let i = 0; i < 6; i++) expect((await timedCompletion(routerUrl, i % 2 ? ROUTED.code : ROUTED.chat, auth)).status).toBe(200);
    const { peak, samples } = sampler.stop();
    expect(samples).toBeGreaterThan(20);
    expect(peak).toBe(1);
  }, 120_000);

  it("answers requests that arrive while their model loads", async () => {
    expect(await children()).toEqual([ROUTED.code]);
    const answers = await Promise.all([0, 1, 2].map(() => timedCompletion(routerUrl, ROUTED.chat, auth)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await spawnsOf(ROUTED.chat)).toBeGreaterThan(0);
    expect(await children()).toEqual([ROUTED.chat]);
  }, 60_000);

  it("reports a corrupt or missing model to the caller at once, spawns it once per request, never in a loop", async () => {
    for (const alias of [ROUTED.corrupt, ROUTED.missing]) {
      const before = await spawnsOf(alias);
      const direct = await timedCompletion(routerUrl, alias, auth);
      expect(direct.status).toBe(500);
      expect(direct.error).toContain(`model name=${alias} failed to load`);
      expect(direct.totalMs).toBeLessThan(10_000);
      expect((await routerModels(routerUrl))[alias]).toEqual({ status: "unloaded", failed: true });
      // Through the gateway the caller is answered by the failover tier; the gateway asked the router once.
      const viaGateway = await gateway.request(alias);
      expect(viaGateway.ok).toBe(true);
      expect(viaGateway.deploymentId).toBe(`${alias}-inference-code`);
      await sleep(5000);
      expect(await spawnsOf(alias)).toBe(before + 2);
    }
    expect((await inspect(router)).health).toBe("healthy");
  }, 120_000);

  it("RAG, the embedding service and Qdrant refuse a caller without their credential; with the stack token RAG indexes and answers (sending the token to the embedding service and the generated key to Qdrant)", async () => {
    const { e2e } = deploy;
    const token = await containerSecret(deploy.name("rag"), SERVICE_TOKEN_FILE);
    const rag = `http://127.0.0.1:${e2e.ports["rag.hostPort"]}`;
    const embedding = `http://127.0.0.1:${e2e.ports["embedding.hostPort"]}`;
    const json = { "content-type": "application/json" };
    const anonymous = await Promise.all([
      fetch(`${rag}/query`, { method: "POST", headers: json, body: JSON.stringify({ query: "x" }) }),
      fetch(`${rag}/health?llm=true`),
      fetch(`${embedding}/embed`, { method: "POST", headers: json, body: JSON.stringify({ texts: ["x"] }) }),
      fetch(`${rag}/metrics`),
    ]);
    expect(anonymous.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect((await fetch(`${rag}/health`)).status).toBe(200); // the probe's path stays open
    fs.writeFileSync(path.join(e2e.dataDir, "documents", "owls.md"), "Owls hunt at night and sleep in the day.\n");
    const auth = { ...json, authorization: `Bearer ${token}` };
    const indexed = await fetch(`${rag}/index?collection=routed`, { method: "POST", headers: auth });
    expect(indexed.status, await indexed.clone().text()).toBe(200);
    const answer = await fetch(`${rag}/query`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ query: "when do owls hunt", collection: "routed" }),
    });
    expect(answer.status, await answer.clone().text()).toBe(200);
    expect(((await answer.json()) as { context: unknown[] }).context.length).toBeGreaterThan(0);
    // Qdrant (p2's default qdrant.requireKey): RAG got through with the generated key; nobody gets through without it.
    const qdrant = `http://127.0.0.1:${e2e.ports["qdrant.httpPort"]}`;
    // Both keys sit in Qdrant's config files (0600, root's), never in env: no container's docker inspect shows either.
    const key = qdrantKeyInConfig(await containerSecret(deploy.name("qdrant"), QDRANT_KEY_FILE.path))!;
    const readOnlyKey = qdrantKeyInConfig(
      await containerSecret(deploy.name("qdrant"), QDRANT_READ_ONLY_KEY_FILE.path),
      "read_only_api_key",
    )!;
    expect([key.length, readOnlyKey.length].every((n) => n >= 32)).toBe(true);
    for (const spec of e2e.plan.services) {
      const text = await dockerOk(["inspect", deploy.name(spec.service)]);
      expect([text.includes(key), text.includes(readOnlyKey)], `${spec.service}'s docker inspect`).toEqual([false, false]);
    }
    const mode = await dockerOk([
      "exec",
      deploy.name("qdrant"),
      "stat",
      "-c",
      "%a %u",
      QDRANT_KEY_FILE.path,
      QDRANT_READ_ONLY_KEY_FILE.path,
    ]);
    expect(mode.trim().split("\n")).toEqual(["600 0", "600 0"]);
    const [open, points, withKey] = await Promise.all([
      fetch(`${qdrant}/readyz`),
      fetch(`${qdrant}/collections/routed`),
      fetch(`${qdrant}/collections/routed`, { headers: { "api-key": key } }),
    ]);
    expect([open.status, points.status, withKey.status]).toEqual([200, 401, 200]);
  }, 120_000);

  it("answers through the gateway during swaps, and from the CPU server while the router refuses connections", async () => {
    const during = await Promise.all(
      [ROUTED.code, ROUTED.chat, ROUTED.code, ROUTED.chat].map((m) => gateway.request(m, { timeoutMs: 60_000 })),
    );
    expect(during.map((o) => o.ok)).toEqual([true, true, true, true]);
    // Down as a crashed or restarting server is: its port refuses connections (a reset from its own network namespace).
    const refuse = (op: "-I" | "-D") =>
      execFileSync("nsenter", [
        "-t",
        String(pid),
        "-n",
        "iptables",
        op,
        "INPUT",
        "-p",
        "tcp",
        "--dport",
        "8001",
        "-j",
        "REJECT",
        "--reject-with",
        "tcp-reset",
      ]);
    const pid = (await inspect(router)).pid;
    refuse("-I");
    try {
      const down = await gateway.request(ROUTED.code);
      expect(down.ok, JSON.stringify(down)).toBe(true);
      expect(down.deploymentId).toBe(`${ROUTED.code}-inference-code`);
      expect(down.ms).toBeLessThan(5000);
    } finally {
      refuse("-D");
    }
  }, 120_000);
});
