import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserGuardFromEnv, browserRefusal } from "../src/browser-guard.ts";
import { createHttpApp, listen, type RunningServer } from "../src/http-app.ts";
import { httpMetrics, Registry } from "../src/metrics.ts";

const json = { "content-type": "application/json", "content-length": "2" };

describe("browserRefusal", () => {
  it("lets programs through: no Origin, an IP, localhost or a service name as Host, JSON or no body", () => {
    for (const host of ["127.0.0.1:8002", "[::1]:8002", "localhost:8002", "rag:8002", "p2-rag", ""])
      expect(browserRefusal("POST", { host, ...json }), host).toBeUndefined();
    expect(browserRefusal("POST", { host: "rag:8002" }), "a POST without a body (RAG /index)").toBeUndefined();
    expect(browserRefusal("GET", { host: "127.0.0.1" })).toBeUndefined();
  });

  it("refuses a page's cross-origin request, unless the origin is allowed", () => {
    expect(browserRefusal("GET", { host: "127.0.0.1", origin: "http://evil.example" })).toMatchObject({
      status: 403,
      detail: expect.stringMatching(/cross-origin request from http:\/\/evil\.example refused.*ALLOWED_ORIGINS/),
    });
    expect(browserRefusal("GET", { host: "127.0.0.1", origin: "null" })?.status).toBe(403);
    expect(
      browserRefusal("GET", { host: "127.0.0.1", origin: "http://localhost:3000" }, { allowedOrigins: ["http://localhost:3000"] }),
    ).toBeUndefined();
  });

  it("refuses a rebound domain name as Host (DNS rebinding), unless allowed", () => {
    expect(browserRefusal("GET", { host: "evil.example:8002" })).toMatchObject({
      status: 421,
      detail: expect.stringMatching(/Host evil\.example refused/),
    });
    expect(browserRefusal("GET", { host: "ai.internal:8002" }, { allowedHosts: ["ai.internal"] })).toBeUndefined();
  });

  it("refuses the bodies a page can POST without a preflight: form, multipart, text/plain, or none declared", () => {
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain;charset=UTF-8"])
      expect(browserRefusal("POST", { host: "127.0.0.1", "content-type": type, "content-length": "5" }), type).toMatchObject({
        status: 415,
      });
    expect(browserRefusal("POST", { host: "127.0.0.1", "content-length": "5" })).toMatchObject({ status: 415 });
    expect(
      browserRefusal("POST", { host: "127.0.0.1", "content-type": "application/json; charset=utf-8", "content-length": "5" }),
    ).toBeUndefined();
  });

  it("reads the allowlists from the environment", () => {
    expect(browserGuardFromEnv({ ALLOWED_ORIGINS: "http://a:1, http://b:2", ALLOWED_HOSTS: "AI.Internal" })).toEqual({
      allowedOrigins: ["http://a:1", "http://b:2"],
      allowedHosts: ["ai.internal"],
    });
    expect(browserGuardFromEnv({})).toEqual({ allowedOrigins: [], allowedHosts: [] });
  });
});

describe("a service built on createHttpApp, asked as a web page would", () => {
  let app: RunningServer;
  beforeAll(async () => {
    const server = createHttpApp({
      service: "test",
      routes: [{ method: "POST", path: "/index", handler: () => ({ status: 200, body: { ok: true } }) }],
      metrics: httpMetrics(new Registry()),
      maxBodyBytes: 1024,
      guard: {},
    });
    app = await listen(server, 0, "127.0.0.1");
  });
  afterAll(() => app.close());

  it("answers a program and refuses a page's form POST and a cross-origin fetch, before any handler runs", async () => {
    const post = (headers: Record<string, string>, body?: string) => fetch(`${app.url}/index`, { method: "POST", headers, body });
    expect((await post({ "content-type": "application/json" }, "{}")).status).toBe(200);
    expect((await post({})).status).toBe(200);
    expect((await post({ "content-type": "application/x-www-form-urlencoded" }, "a=1")).status).toBe(415);
    // fetch() sends a string body as text/plain unless told otherwise: the simple request a page can send.
    expect((await post({}, "{}")).status).toBe(415);
    const cross = await post({ origin: "http://evil.example", "content-type": "application/json" }, "{}");
    expect(cross.status).toBe(403);
    expect(cross.headers.get("access-control-allow-origin")).toBeNull();
  });
});
