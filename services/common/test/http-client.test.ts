/** httpCall's deadlines and failure kinds, against real sockets. */
import * as http from "node:http";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorText, httpCall, httpJson } from "../src/http-client.ts";
import { UpstreamError } from "../src/upstream-error.ts";
import { blackholePort } from "../../../test/support/blackhole-port";

let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/hang") return; // never answers
    if (req.url === "/slow") return void setTimeout(() => res.end("{}"), 300);
    if (req.url === "/error") {
      res.writeHead(404, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ status: { error: "Not found: Collection `x` doesn't exist!" }, time: 0 }));
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, method: req.method }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function failure(call: Promise<unknown>): Promise<UpstreamError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error("expected the call to fail");
}

describe("httpCall", () => {
  it("returns JSON answers and keeps non-2xx statuses for the caller", async () => {
    expect(await httpJson({ upstream: "t", method: "POST", url: `${url}/x`, body: { a: 1 }, timeoutMs: 2000 })).toEqual({
      ok: true,
      method: "POST",
    });
    const answer = await httpCall({ upstream: "t", method: "GET", url: `${url}/error`, timeoutMs: 2000 });
    expect(answer.status).toBe(404);
    expect(errorText(answer.text)).toBe("Not found: Collection `x` doesn't exist!");
  });

  it("fails with 'timeout' when the answer takes longer than timeoutMs", async () => {
    const started = performance.now();
    const error = await failure(httpCall({ upstream: "t", method: "GET", url: `${url}/hang`, timeoutMs: 200 }));
    expect(error.failure).toBe("timeout");
    expect(error.message).toBe(`t did not answer GET ${url}/hang within 200 ms`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    expect(performance.now() - started).toBeLessThan(3000);
    await httpJson({ upstream: "t", method: "GET", url: `${url}/slow`, timeoutMs: 2000 });
  });

  it("fails with 'connect' at once when nothing listens", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(httpCall({ upstream: "t", method: "GET", url: `http://127.0.0.1:${port}/`, timeoutMs: 5000 }));
    expect(error.failure).toBe("connect");
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.transient).toBe(true);
  });

  it("fails with 'connect' within connectTimeoutMs when the handshake never completes", async () => {
    const blackhole = await blackholePort();
    try {
      const started = performance.now();
      const error = await failure(
        httpCall({ upstream: "t", method: "GET", url: `http://127.0.0.1:${blackhole.port}/`, timeoutMs: 10_000, connectTimeoutMs: 300 }),
      );
      expect(error.failure).toBe("connect");
      expect(error.message).toBe(`t: no connection to 127.0.0.1:${blackhole.port} within 300 ms`);
      expect(performance.now() - started).toBeGreaterThanOrEqual(295);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      blackhole.close();
    }
  });

  it("classifies HTTP failures: 5xx, 408 and 429 are transient, other 4xx are not", () => {
    const http = (status: number) => new UpstreamError("t", "http", "x", status);
    expect([500, 503, 408, 429].map((s) => http(s).transient)).toEqual([true, true, true, true]);
    expect([400, 401, 404, 409].map((s) => http(s).transient)).toEqual([false, false, false, false]);
    expect([http(401).reason, http(404).reason, http(502).reason]).toEqual(["auth", "http_4xx", "http_5xx"]);
  });
});
