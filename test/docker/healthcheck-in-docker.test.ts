/**
 * The plan's probes inside a real container, judged by Docker's own health
 * state machine: a minimal Debian image (bash and curl, like the Qdrant and
 * llama.cpp images' tooling) built with debootstrap, created through the Engine
 * API with the healthcheck fields the provider sends.
 */
import { execFileSync } from "node:child_process";
import { planContext } from "../../lib/plan/define-service";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultStackConfig } from "../../lib/config/load";
import { bashHttpProbe, curlProbe } from "../../lib/plan/health";
import { planInferenceServer } from "../../lib/plan/inference";
import { planQdrant } from "../../lib/plan/qdrant";
import { PROJECT_DIR } from "../support/pulumi-harness";
import {
  engine,
  engineReachable,
  healthStatus,
  removeContainer,
  startWithHealthcheck,
  waitForStatus,
  type HealthConfig,
} from "./docker-engine";

let image: string;
let server: http.Server;
let port: number;
const status = new Map<string, number>();
const started: string[] = [];

beforeAll(async () => {
  const version = await engineReachable();
  if (!version) {
    throw new Error(
      "No Docker daemon at /var/run/docker.sock. Install and start one (as root): apt-get install -y docker.io debootstrap && dockerd &  (.ci/run does this)",
    );
  }
  console.log(`docker engine ${version}`);
  image = execFileSync("bash", [path.join(PROJECT_DIR, "scripts/ensure-test-image.sh")], { encoding: "utf8", timeout: 600_000 }).trim();
  // Status 0: the request is never answered (a wedged server: the port accepts, nothing replies).
  server = http.createServer((req, res) => {
    const code = status.get(req.url ?? "") ?? 404;
    if (code !== 0) res.writeHead(code).end("stand-in");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
}, 660_000);

afterAll(async () => {
  await Promise.all(started.map(removeContainer));
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The plan's probe command with short timings, so a test takes seconds rather than minutes. */
function quick(test: string[], startPeriodMs = 4000): HealthConfig {
  return { test, intervalMs: 1000, timeoutMs: 900, startPeriodMs, startIntervalMs: 500, retries: 2 };
}

async function start(name: string, health: HealthConfig): Promise<string> {
  const id = await startWithHealthcheck(image, `local-ai-suite-test-${name}`, health);
  started.push(id);
  return id;
}

describe("healthchecks in a real container", () => {
  it("uses the plan's own probe commands (only the port differs here)", () => {
    const ctx = planContext(defaultStackConfig(), { stack: "test", projectDir: PROJECT_DIR });
    expect(planQdrant(ctx, false).healthcheck.test).toEqual(bashHttpProbe(6333, "/readyz").test);
    const llama = planInferenceServer(ctx, "chat", 999).healthcheck.test;
    expect(llama.slice(0, 3)).toEqual(["CMD", "bash", "-c"]);
    // It sends the server's key (/metrics is not public when llama-server has --api-key-file).
    expect(llama[3]).toContain(
      'curl -fsS --max-time 3 -o /dev/null -H "Authorization: Bearer $(cat /run/secrets/llama-api-key)" http://127.0.0.1:8001/metrics',
    );
  });

  it("Qdrant's bash-only probe: starting while not ready, unhealthy after the start period, healthy once /readyz answers 200", async () => {
    status.set("/readyz", 503);
    const id = await start("qdrant-probe", quick(bashHttpProbe(port, "/readyz").test));
    await new Promise((r) => setTimeout(r, 2500));
    expect(await healthStatus(id)).toBe("starting");
    await waitForStatus(id, "unhealthy", 15_000);
    status.set("/readyz", 200);
    await waitForStatus(id, "healthy", 25_000);
  }, 60_000);

  it("llama.cpp's curl probe: a model still loading (503) keeps it starting; ready (200) turns it healthy", async () => {
    status.set("/metrics", 503);
    const id = await start("llama-probe", quick(curlProbe(`http://127.0.0.1:${port}/metrics`).test, 30_000));
    await new Promise((r) => setTimeout(r, 3000));
    expect(await healthStatus(id)).toBe("starting");
    status.set("/metrics", 200);
    // The bound only keeps a broken probe from hanging the run: on a loaded 2-core CI machine one
    // `docker exec` of curl can take longer than the 1 s interval, so how fast is not asserted.
    const ms = await waitForStatus(id, "healthy", 25_000);
    console.log(`llama probe: healthy ${ms} ms after /metrics turned 200`);
  }, 60_000);

  it("llama.cpp's probe turns a wedged server unhealthy: /health still answers 200, /metrics (answered by the inference loop) never does", async () => {
    status.set("/health", 200);
    status.set("/metrics", 0);
    const probe = planInferenceServer(planContext(defaultStackConfig(), { stack: "test", projectDir: PROJECT_DIR }), "chat", 999)
      .healthcheck.test;
    const id = await start(
      "llama-wedge",
      quick(
        probe.map((t) => t.replace("127.0.0.1:8001", `127.0.0.1:${port}`)),
        1000,
      ),
    );
    await waitForStatus(id, "unhealthy", 30_000);
    const { body } = await engine("GET", `/containers/${id}/json`);
    expect(body.State.Health.Log.at(-1).Output).toMatch(/timed out|exceeded timeout/i);
  }, 45_000);

  it("a probe against a port nobody listens on never turns healthy", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const id = await start("dead-probe", quick(bashHttpProbe(deadPort, "/readyz").test, 1000));
    await waitForStatus(id, "unhealthy", 15_000);
  }, 30_000);

  it("Docker stores the healthcheck as sent (durations in nanoseconds)", async () => {
    const health = quick(bashHttpProbe(port, "/readyz").test);
    const id = await start("readback", health);
    const { body } = await engine("GET", `/containers/${id}/json`);
    expect(body.Config.Healthcheck).toMatchObject({
      Test: health.test,
      Interval: health.intervalMs * 1e6,
      Timeout: health.timeoutMs * 1e6,
      StartPeriod: health.startPeriodMs * 1e6,
      Retries: health.retries,
    });
  });
});
