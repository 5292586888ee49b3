/**
 * The healer: its restart budget, its calls against a stand-in Docker API
 * (exactly list, events and restart, nothing else), and, against the real
 * Docker Engine, a container that turns unhealthy being restarted by the
 * healer's own image with the privileges the plan gives it.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { docker, dockerOk } from "../../../test/support/docker-cli";
import { buildServiceImage } from "../../../test/support/service-image";
import { startHealer } from "../src/app.ts";
import { loadHealerConfig } from "../src/config.ts";
import { RestartBudget } from "../src/restart-budget.ts";

process.env.LOG_LEVEL ??= "error";

describe("restart budget", () => {
  it("allows max restarts per window, then none until the oldest leaves the window", () => {
    const budget = new RestartBudget(2, 1000);
    expect([budget.take("a", 0), budget.take("a", 100), budget.take("a", 200)]).toEqual([true, true, false]);
    expect(budget.take("b", 200)).toBe(true);
    expect(budget.take("a", 1001)).toBe(true);
  });
});

describe("config", () => {
  it("needs the stack, and names every bad variable", () => {
    expect(() => loadHealerConfig({})).toThrow(/HEALER_STACK is required/);
    expect(() => loadHealerConfig({ HEALER_STACK: "p2", HEALER_MAX_RESTARTS: "0" })).toThrow(/HEALER_MAX_RESTARTS/);
  });
});

/** A Docker API stand-in on a unix socket: one unhealthy container, an event stream the test writes to. */
async function fakeDocker() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-docker-"));
  const socket = path.join(dir, "docker.sock");
  const calls: string[] = [];
  let events: http.ServerResponse | undefined;
  let unhealthy = [
    {
      Id: "c1",
      Names: ["/p2-inference-chat"],
      // A heal grace beats the stop grace: an unhealthy llama-server cannot stop cleanly anyway.
      Labels: {
        "local-ai-suite.service": "inference-chat",
        "local-ai-suite.stop-grace-sec": "15",
        "local-ai-suite.heal-stop-grace-sec": "2",
      },
    },
  ];
  const server = http.createServer((req, res) => {
    calls.push(`${req.method} ${decodeURIComponent(req.url ?? "")}`);
    if (req.url?.startsWith("/events")) {
      events = res;
      res.writeHead(200, { "content-type": "application/json" });
      return;
    }
    if (req.url?.startsWith("/containers/json")) return res.end(JSON.stringify(unhealthy));
    if (req.method === "POST" && /\/restart/.test(req.url ?? "")) {
      unhealthy = [];
      res.writeHead(204);
      return res.end();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(socket, r));
  return {
    socket,
    calls,
    emit: (event: object) => events?.write(`${JSON.stringify(event)}\n`),
    emitRaw: (text: string) => events?.write(text),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const until = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("the healer against a stand-in Docker API", () => {
  it("restarts what is unhealthy at start and what turns unhealthy later, with each container's heal or stop grace, and counts it", async () => {
    const fake = await fakeDocker();
    const healer = await startHealer(
      loadHealerConfig({
        HEALER_STACK: "p2",
        DOCKER_SOCKET: fake.socket,
        HEALER_PORT: "0",
        HEALER_HOST: "127.0.0.1",
        HEALER_RESYNC_SEC: "60",
      }),
    );
    try {
      await until(() => fake.calls.some((c) => c.startsWith("POST /containers/c1/restart")));
      // Lines it cannot read (not JSON, no usable id) are skipped and counted; the stream goes on.
      fake.emitRaw('{"Action": "health_status: unhealthy", "id": \n');
      fake.emitRaw('not json at all\n{"Action":"health_status: unhealthy","id":"../../containers/x"}\n');
      fake.emit({
        Type: "container",
        Action: "health_status: unhealthy",
        id: "c2c2c2c2c2c2",
        Actor: { Attributes: { name: "p2-qdrant", "local-ai-suite.service": "qdrant", "local-ai-suite.stop-grace-sec": "30" } },
      });
      await until(() => fake.calls.some((c) => c.startsWith("POST /containers/c2c2c2c2c2c2/restart")));
      expect(fake.calls.filter((c) => c.startsWith("POST"))).toEqual([
        "POST /containers/c1/restart?t=2",
        "POST /containers/c2c2c2c2c2c2/restart?t=30",
      ]);
      // Only this stack's opted-in containers, and only health events.
      expect(fake.calls.find((c) => c.startsWith("GET /events"))).toContain(
        '"label":["local-ai-suite.stack=p2","local-ai-suite.autoheal=true"],"type":["container"],"event":["health_status"]',
      );
      expect(new Set(fake.calls.map((c) => c.split("?")[0]!.replace(/\/containers\/(?!json)[^/]+/, "/containers/<id>")))).toEqual(
        new Set(["GET /events", "GET /containers/json", "POST /containers/<id>/restart"]),
      );
      const metrics = await fetch(`${healer.url}/metrics`).then((r) => r.text());
      expect(metrics).toContain('healer_restarts_total{service="inference-chat"} 1');
      expect(metrics).toContain('healer_restarts_total{service="qdrant"} 1');
      expect(metrics).toContain('healer_docker_errors_total{operation="event"} 3');
      expect((await fetch(`${healer.url}/health`)).status).toBe(200);
    } finally {
      await healer.close();
      await fake.close();
    }
  });
});

describe("the healer image against the real Docker Engine", () => {
  const stack = `healer-test-${process.pid}`;
  const names = { target: `${stack}-target`, healer: `${stack}-healer` };
  afterAll(async () => {
    await docker(["rm", "-f", names.target, names.healer]);
  });

  it("restarts an opted-in container that turns unhealthy; root without capabilities, read-only, on no network", async () => {
    const image = await buildServiceImage("healer", `local-ai-suite-test/healer:test-${process.pid}`);
    // Unhealthy within seconds, and again after each restart.
    await dockerOk([
      "run",
      "-d",
      "--name",
      names.target,
      "--label",
      `local-ai-suite.stack=${stack}`,
      "--label",
      "local-ai-suite.autoheal=true",
      "--label",
      "local-ai-suite.service=target",
      "--label",
      "local-ai-suite.stop-grace-sec=1",
      "--health-cmd",
      "false",
      "--health-interval",
      "1s",
      "--health-retries",
      "1",
      "--health-timeout",
      "1s",
      image,
      "sleep",
      "600",
    ]);
    const startedBefore = (await dockerOk(["inspect", "--format", "{{.State.StartedAt}}", names.target])).trim();
    await dockerOk([
      "run",
      "-d",
      "--name",
      names.healer,
      "--network",
      "none",
      "--read-only",
      "--cap-drop",
      "ALL",
      "--security-opt",
      "no-new-privileges:true",
      "-v",
      "/var/run/docker.sock:/var/run/docker.sock:ro",
      "-e",
      `HEALER_STACK=${stack}`,
      "-e",
      "HEALER_MAX_RESTARTS=2",
      image,
    ]);
    const deadline = Date.now() + 60_000;
    let startedAfter = startedBefore;
    while (startedAfter === startedBefore && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      startedAfter = (await dockerOk(["inspect", "--format", "{{.State.StartedAt}}", names.target])).trim();
    }
    const logs = await docker(["logs", names.healer]);
    expect(startedAfter, `healer log:\n${logs.stdout}${logs.stderr}`).not.toBe(startedBefore);
    expect(`${logs.stdout}${logs.stderr}`).toMatch(
      /"msg":"healer: restarting an unhealthy container".*"container":"healer-test-\d+-target"/,
    );
  }, 600_000);
});
