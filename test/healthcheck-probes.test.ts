/**
 * Runs the healthcheck commands the planners emit, for real (bash, curl, python,
 * wget), against a local HTTP server: healthy only on the answer each service
 * gives when it is ready.
 */
import { spawn, spawnSync } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bashHttpProbe, curlProbe, pythonJsonProbe, pythonProbe, wgetProbe } from "../lib/plan/health";
import type { HealthcheckSpec } from "../lib/plan/service-spec";

let server: http.Server;
let port: number;
const responses = new Map<string, { status: number; body: string }>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const r = responses.get(req.url ?? "") ?? { status: 404, body: "not found" };
    res.writeHead(r.status, { "content-type": "application/json" }).end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const pythonBinary = spawnSync("python", ["--version"]).status === 0 ? "python" : "python3";

/** Runs a Docker CMD test on this machine (asynchronously: the server above shares this process). */
function run(check: HealthcheckSpec): Promise<number> {
  expect(check.test[0]).toBe("CMD");
  const [command, ...args] = check.test.slice(1);
  const binary = command === "python" ? pythonBinary : command;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: "ignore", timeout: 15_000 });
    child.on("error", (error) => reject(new Error(`${binary} could not run (${error.message}); install it to run this test`)));
    child.on("exit", (code) => resolve(code ?? -1));
  });
}

function serve(path: string, status: number, body = "{}") {
  responses.set(path, { status, body });
}

describe("healthcheck probes", () => {
  it("llama.cpp: curl -f fails on 503 'Loading model' and passes on 200", async () => {
    const probe = curlProbe(`http://127.0.0.1:${port}/health`);
    serve("/health", 503, '{"error":{"code":503,"message":"Loading model"}}');
    expect(await run(probe)).not.toBe(0);
    serve("/health", 200, '{"status":"ok"}');
    expect(await run(probe)).toBe(0);
  });

  it("LiteLLM and FastAPI services: python urlopen fails on non-2xx", async () => {
    const probe = pythonProbe(`http://127.0.0.1:${port}/health/liveliness`);
    serve("/health/liveliness", 500);
    expect(await run(probe)).not.toBe(0);
    serve("/health/liveliness", 200, '"I\'m alive!"');
    expect(await run(probe)).toBe(0);
  });

  it("embedding: healthy only once /health reports ok=true (its status is 200 while loading)", async () => {
    const probe = pythonJsonProbe(`http://127.0.0.1:${port}/embed-health`, "ok");
    serve("/embed-health", 200, JSON.stringify({ ok: false, loading: true }));
    expect(await run(probe)).not.toBe(0);
    serve("/embed-health", 200, JSON.stringify({ ok: "yes" }));
    expect(await run(probe)).not.toBe(0);
    serve("/embed-health", 200, JSON.stringify({ ok: true, dim: 384 }));
    expect(await run(probe)).toBe(0);
  });

  it("Qdrant: a bash-only HTTP GET that needs a 200 status line", async () => {
    const probe = bashHttpProbe(port, "/readyz");
    serve("/readyz", 503, "some shards are not ready");
    expect(await run(probe)).not.toBe(0);
    serve("/readyz", 200, "all shards are ready");
    expect(await run(probe)).toBe(0);
  });

  it("busybox images: wget fails on non-2xx", async () => {
    const probe = wgetProbe(`http://127.0.0.1:${port}/-/ready`);
    serve("/-/ready", 503);
    expect(await run(probe)).not.toBe(0);
    serve("/-/ready", 200, "Prometheus is Ready.");
    expect(await run(probe)).toBe(0);
  });

  it("every probe fails when nothing listens", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    for (const probe of [
      curlProbe(`http://127.0.0.1:${deadPort}/health`),
      pythonProbe(`http://127.0.0.1:${deadPort}/health`),
      bashHttpProbe(deadPort, "/readyz"),
      wgetProbe(`http://127.0.0.1:${deadPort}/`),
    ]) {
      expect(await run(probe), probe.test.join(" ")).not.toBe(0);
    }
  });
});
