/**
 * Clients that misbehave on purpose: a body far over the limit is refused as
 * soon as that is known and never read to its end, a client that sends its
 * headers too slowly is cut off, and connections past the cap are dropped.
 */
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpApp, listen, type ClientLimits, type RunningServer } from "../src/http-app.ts";
import { httpMetrics, Registry } from "../src/metrics.ts";

let app: RunningServer | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(limits: Partial<ClientLimits> = {}): Promise<RunningServer> {
  const server = createHttpApp({
    service: "test",
    routes: [{ method: "POST", path: "/echo", handler: async (ctx) => ({ status: 200, body: { length: (await ctx.text()).length } }) }],
    metrics: httpMetrics(new Registry()),
    maxBodyBytes: 1024,
    guard: {},
    limits,
  });
  app = await listen(server, 0, "127.0.0.1");
  return app;
}

/** A raw connection: what the server sent, and when it closed. */
function connect(port: number): Promise<{ socket: net.Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (d) => (text += d));
    const closed = new Promise<number>((r) => socket.on("close", () => r(Date.now())));
    socket.on("error", () => undefined);
    socket.once("connect", () => resolve({ socket, received: () => text, closed }));
    socket.once("error", reject);
  });
}

describe("client limits of our services", () => {
  it("refuses a body that says it is over the limit at once, and one that turns out to be, without reading the rest", async () => {
    const { port } = await start();
    for (const declared of [10_000_000, undefined]) {
      const c = await connect(port);
      const head = declared === undefined ? "transfer-encoding: chunked" : `content-length: ${declared}`;
      c.socket.write(`POST /echo HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${head}\r\n\r\n`);
      // 2 KiB of a body that would go on for 10 MB; the rest is never sent.
      const chunk = "x".repeat(2048);
      c.socket.write(declared === undefined ? `${chunk.length.toString(16)}\r\n${chunk}\r\n` : chunk);
      const closedAt = await Promise.race([c.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
      expect(closedAt, "the server closed the connection without waiting for the rest of the body").toBeDefined();
      expect(c.received()).toMatch(/^HTTP\/1\.1 413 /);
      expect(c.received()).toContain("request body exceeds 1024 bytes");
    }
  });

  it("cuts off a client that sends its headers too slowly", async () => {
    const { port } = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1000 });
    const c = await connect(port);
    const t = Date.now();
    c.socket.write("POST /echo HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    const closedAt = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(NaN), 10_000))]);
    expect(closedAt - t).toBeLessThan(10_000);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("drops connections past the cap", async () => {
    const { port } = await start({ maxConnections: 2 });
    const held = [await connect(port), await connect(port)];
    const third = await connect(port);
    const closedAt = await Promise.race([third.closed, new Promise<number>((r) => setTimeout(() => r(NaN), 5000))]);
    expect(Number.isNaN(closedAt)).toBe(false);
    for (const c of held) c.socket.destroy();
  });
});
