/**
 * The healer: its restart budget and its calls against a stand-in Docker API
 * (exactly list, events and restart by name, nothing else). Its image healing
 * a container on the real Docker Engine, through the allowlisting proxy and
 * with the privileges the plan gives it: test/docker/docker-api-proxy.test.ts.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
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
    expect(() => loadHealerConfig({ HEALER_STACK: "p2", HEALER_DOCKER_API: "tcp://docker:2375" })).toThrow(/HEALER_DOCKER_API=tcp/);
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
  // Every container of the stack: the memory maintainer has stopped, the RAG service runs.
  const stack = [
    { Id: "c3", Names: ["/p2-rag"], State: "running", Labels: { "local-ai-suite.service": "rag" } },
    { Id: "c4", Names: ["/p2-memory-maintainer"], State: "exited", Labels: { "local-ai-suite.service": "memory-maintainer" } },
  ];
  const server = http.createServer((req, res) => {
    calls.push(`${req.method} ${decodeURIComponent(req.url ?? "")}`);
    if (req.url?.startsWith("/events")) {
      events = res;
      res.writeHead(200, { "content-type": "application/json" });
      return;
    }
    if (req.url?.startsWith("/containers/json?all=1")) return res.end(JSON.stringify(stack));
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
        HEALER_DOCKER_API: `unix://${fake.socket}`,
        HEALER_PORT: "0",
        HEALER_HOST: "127.0.0.1",
        HEALER_RESYNC_SEC: "60",
      }),
    );
    try {
      await until(() => fake.calls.some((c) => c.startsWith("POST /containers/p2-inference-chat/restart")));
      // Lines it cannot read (not JSON, no usable id) are skipped and counted; the stream goes on.
      fake.emitRaw('{"Action": "health_status: unhealthy", "id": \n');
      fake.emitRaw('not json at all\n{"Action":"health_status: unhealthy","id":"../../containers/x"}\n');
      // Not opted in: no restart (the proxy would refuse it anyway).
      fake.emit({
        Type: "container",
        Action: "health_status: unhealthy",
        id: "c5c5c5c5c5c5",
        Actor: { Attributes: { name: "p2-grafana", "local-ai-suite.service": "grafana", "local-ai-suite.autoheal": "false" } },
      });
      // Starts are counted by service, for the crash-loop alert.
      for (let i = 0; i < 2; i++)
        fake.emit({
          Type: "container",
          Action: "start",
          id: "c3c3c3c3c3c3",
          Actor: { Attributes: { name: "p2-rag", "local-ai-suite.service": "rag" } },
        });
      fake.emit({
        Type: "container",
        Action: "health_status: unhealthy",
        id: "c2c2c2c2c2c2",
        Actor: {
          Attributes: {
            name: "p2-qdrant",
            "local-ai-suite.service": "qdrant",
            "local-ai-suite.stop-grace-sec": "30",
            "local-ai-suite.autoheal": "true",
          },
        },
      });
      await until(() => fake.calls.some((c) => c.startsWith("POST /containers/p2-qdrant/restart")));
      // By name, as the Docker API proxy's allowlist names them.
      expect(fake.calls.filter((c) => c.startsWith("POST"))).toEqual([
        "POST /containers/p2-inference-chat/restart?t=2",
        "POST /containers/p2-qdrant/restart?t=30",
      ]);
      // Only this stack's containers, and only health and start events; unhealthy ones only when opted in.
      expect(fake.calls.find((c) => c.startsWith("GET /events"))).toContain(
        '"label":["local-ai-suite.stack=p2"],"type":["container"],"event":["health_status","start"]',
      );
      expect(fake.calls.find((c) => c.startsWith("GET /containers/json?filters"))).toContain(
        '"label":["local-ai-suite.stack=p2","local-ai-suite.autoheal=true"]',
      );
      expect(new Set(fake.calls.map((c) => c.split("?")[0]!.replace(/\/containers\/(?!json)[^/]+/, "/containers/<id>")))).toEqual(
        new Set(["GET /events", "GET /containers/json", "POST /containers/<id>/restart"]),
      );
      const metrics = await fetch(`${healer.url}/metrics`).then((r) => r.text());
      expect(metrics).toContain('healer_restarts_total{service="inference-chat"} 1');
      expect(metrics).toContain('healer_restarts_total{service="qdrant"} 1');
      expect(metrics).toContain('healer_docker_errors_total{operation="event"} 3');
      expect(metrics).toContain('healer_container_starts_total{service="rag"} 2');
      expect(metrics).toContain('healer_service_running{service="rag"} 1');
      expect(metrics).toContain('healer_service_running{service="memory-maintainer"} 0');
      expect(metrics).not.toContain('service="grafana"');
      expect((await fetch(`${healer.url}/health`)).status).toBe(200);
    } finally {
      await healer.close();
      await fake.close();
    }
  });
});
