/** The container probe: 200 (and a true field, when asked) is healthy; anything else is not. */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe } from "../src/probe.ts";

let server: http.Server;
let base: string;
const answers: Record<string, [number, string]> = {
  "/ok": [200, JSON.stringify({ ok: true })],
  "/not-ok": [200, JSON.stringify({ ok: false, loading: true })],
  "/down": [503, JSON.stringify({ status: "degraded" })],
  "/text": [200, "fine"],
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const [status, body] = answers[req.url ?? ""] ?? [404, "no"];
    res.writeHead(status).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("probe", () => {
  it("is healthy on 200, and with requireTrueField only when that field is true", async () => {
    expect((await probe(`${base}/ok`, { timeoutMs: 2000 })).healthy).toBe(true);
    expect((await probe(`${base}/ok`, { requireTrueField: "ok", timeoutMs: 2000 })).healthy).toBe(true);
    expect(await probe(`${base}/not-ok`, { requireTrueField: "ok", timeoutMs: 2000 })).toEqual({
      healthy: false,
      reason: expect.stringContaining('"ok" is false, not true'),
    });
    expect((await probe(`${base}/text`, { requireTrueField: "ok", timeoutMs: 2000 })).healthy).toBe(false);
  });

  it("is unhealthy on 503 and when nothing answers", async () => {
    expect(await probe(`${base}/down`, { timeoutMs: 2000 })).toEqual({ healthy: false, reason: expect.stringContaining("answered 503") });
    expect((await probe("http://127.0.0.1:1/health", { timeoutMs: 2000 })).healthy).toBe(false);
  });
});
