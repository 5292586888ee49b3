import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearerAuthFromEnv, bearerRefusal, PUBLIC_PATHS } from "../src/bearer-auth.ts";
import { createHttpApp, listen, type RunningServer } from "../src/http-app.ts";
import { httpMetrics, Registry } from "../src/metrics.ts";

const auth = { token: "stack-token-0123456789", publicPaths: PUBLIC_PATHS };
const at = (p: string) => new URL(p, "http://localhost");

describe("bearerRefusal", () => {
  it("lets the right token through and refuses a missing, wrong or differently long one with 401", () => {
    expect(bearerRefusal("POST", at("/query"), { authorization: `Bearer ${auth.token}` }, auth)).toBeUndefined();
    for (const authorization of [undefined, "Bearer nope", `Bearer ${auth.token}x`, auth.token]) {
      expect(bearerRefusal("POST", at("/query"), { authorization }, auth), String(authorization)).toMatchObject({
        status: 401,
        headers: { "www-authenticate": "Bearer" },
      });
    }
  });

  it("keeps GET /health open for probes, but not with a query (RAG's ?llm=true spends the gateway key) nor another method", () => {
    expect(bearerRefusal("GET", at("/health"), {}, auth)).toBeUndefined();
    expect(bearerRefusal("GET", at("/health?llm=true"), {}, auth)?.status).toBe(401);
    expect(bearerRefusal("POST", at("/health"), {}, auth)?.status).toBe(401);
    expect(bearerRefusal("GET", at("/metrics"), {}, auth)?.status).toBe(401);
  });

  it("requires nothing where the service has no token (SERVICE_TOKEN_FILE unset), and reads the file where it has one", () => {
    expect(bearerAuthFromEnv({})).toBeUndefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "token-"));
    fs.writeFileSync(path.join(dir, "t"), "from-file-token\n");
    expect(bearerAuthFromEnv({ SERVICE_TOKEN_FILE: path.join(dir, "t") })?.token).toBe("from-file-token");
    expect(() => bearerAuthFromEnv({ SERVICE_TOKEN_FILE: path.join(dir, "missing") })).toThrow(
      /SERVICE_TOKEN_FILE=.*cannot read the secret file \(ENOENT\)/,
    );
    fs.rmSync(dir, { recursive: true });
  });
});

describe("createHttpApp with a token", () => {
  let running: RunningServer;
  beforeAll(async () => {
    const server = createHttpApp({
      service: "t",
      metrics: httpMetrics(new Registry()),
      maxBodyBytes: 1024,
      auth,
      routes: [
        { method: "GET", path: "/health", handler: () => ({ status: 200, body: { ok: true } }) },
        { method: "POST", path: "/query", handler: () => ({ status: 200, body: { answered: true } }) },
      ],
    });
    running = await listen(server, 0, "127.0.0.1");
  });
  afterAll(() => running.close());

  it("answers the probe, refuses an anonymous query before its handler runs, and answers one with the token", async () => {
    expect((await fetch(`${running.url}/health`)).status).toBe(200);
    const anonymous = await fetch(`${running.url}/query`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect([anonymous.status, await anonymous.json()]).toEqual([401, { detail: expect.stringMatching(/bearer token/) }]);
    const withToken = await fetch(`${running.url}/query`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${auth.token}` },
      body: "{}",
    });
    expect(await withToken.json()).toEqual({ answered: true });
  });
});
