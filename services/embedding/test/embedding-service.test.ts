/**
 * The embedding service in front of a stand-in llama-server: the reference's
 * /embed and /health contract (shape, limits, errors), batching, L2
 * normalisation, cutting texts to the token window, and /metrics.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../common/src/http-app.ts";
import { createEmbeddingService } from "../src/app.ts";
import { loadEmbeddingConfig } from "../src/config.ts";
import { fakeTokens, fakeVector, FakeEmbeddingLlamaServer } from "../../../test/support/fake-embedding-llama-server";

process.env.LOG_LEVEL ??= "error";

let llama: FakeEmbeddingLlamaServer;
let service: RunningServer;

async function start(env: Record<string, string> = {}): Promise<void> {
  await service?.close();
  service = await createEmbeddingService(
    loadEmbeddingConfig({ EMBEDDING_LLAMA_URL: llama.url, EMBEDDING_TIMEOUT: "3", EMBEDDING_BATCH_SIZE: "4", ...env }),
  ).listen(0, "127.0.0.1");
}

async function embed(body: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${service.url}/embed`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

async function health(): Promise<{ status: number; body: any }> {
  const res = await fetch(`${service.url}/health`);
  return { status: res.status, body: await res.json() };
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

beforeAll(async () => {
  llama = new FakeEmbeddingLlamaServer({ dim: 384, ubatch: 64 });
  await llama.start();
  await start();
});
afterAll(async () => {
  await service?.close();
  await llama?.kill();
});
beforeEach(() => {
  llama.state = "ready";
  llama.requests.length = 0;
});

describe("POST /embed", () => {
  it("answers {embeddings, model, dim, normalize} with unit-length vectors in input order", async () => {
    const res = await embed({ texts: ["cats purr", "rockets burn fuel"] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ model: "BAAI/bge-small-en-v1.5", dim: 384, normalize: true });
    expect(res.body.embeddings).toHaveLength(2);
    for (const v of res.body.embeddings) expect(norm(v)).toBeCloseTo(1, 6);
    const expected = fakeVector("rockets burn fuel", 384);
    expect(res.body.embeddings[1][0]).toBeCloseTo(expected[0]! / norm(expected), 9);
    // Raw vectors were asked for, and normalised here.
    expect(llama.requests.find((r) => r.path === "/v1/embeddings")?.body).toMatchObject({ embd_normalize: -1, encoding_format: "float" });
  });

  it("returns llama-server's raw vectors when EMBEDDING_NORMALIZE=false", async () => {
    await start({ EMBEDDING_NORMALIZE: "false" });
    try {
      const res = await embed({ texts: ["cats purr"] });
      expect(res.body.normalize).toBe(false);
      expect(res.body.embeddings[0]).toEqual(fakeVector("cats purr", 384));
    } finally {
      await start();
    }
  });

  it("sends EMBEDDING_BATCH_SIZE texts per llama-server request", async () => {
    const texts = Array.from({ length: 10 }, (_, i) => `text number ${i}`);
    const res = await embed({ texts });
    expect(res.body.embeddings).toHaveLength(10);
    expect(llama.embeddingCalls().map((c) => c.length)).toEqual([4, 4, 2]);
  });

  it("cuts a text longer than EMBEDDING_MAX_TOKENS via /tokenize and /detokenize, where llama-server would refuse it", async () => {
    await start({ EMBEDDING_MAX_TOKENS: "62" });
    try {
      const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
      // What llama-server does with it uncut: 202 tokens > the 64-token batch.
      const direct = await fetch(`${llama.url}/v1/embeddings`, { method: "POST", body: JSON.stringify({ input: [long] }) });
      expect(direct.status).toBe(500);
      expect(await direct.text()).toContain("is too large to process. increase the physical batch size");

      const res = await embed({ texts: [long, "short text"] });
      expect(res.status).toBe(200);
      const sent = llama.embeddingCalls().at(-1)!;
      expect(fakeTokens(sent[0]!)).toHaveLength(62);
      expect(sent[0]).toBe(Array.from({ length: 62 }, (_, i) => `word${i}`).join(" "));
      expect(sent[1]).toBe("short text");
      // Only the long text was tokenized.
      expect(llama.requests.filter((r) => r.path === "/tokenize")).toHaveLength(1);
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toContain('embedding_truncated_texts_total{by="tokens"} 1');
    } finally {
      await start();
    }
  });

  it("cuts each text to EMBEDDING_MAX_CHARS first, as the reference did", async () => {
    await start({ EMBEDDING_MAX_CHARS: "10", EMBEDDING_MAX_TOKENS: "500" });
    try {
      await embed({ texts: ["abcdefghijklmnop"] });
      expect(llama.embeddingCalls().at(-1)).toEqual(["abcdefghij"]);
    } finally {
      await start();
    }
  });

  it("answers an empty list with no embeddings (reference) and refuses more than EMBEDDING_MAX_TEXTS texts", async () => {
    expect(await embed({ texts: [] })).toMatchObject({
      status: 200,
      body: { embeddings: [], model: "BAAI/bge-small-en-v1.5", normalize: true },
    });
    await start({ EMBEDDING_MAX_TEXTS: "3" });
    try {
      expect(await embed({ texts: ["a", "b", "c", "d"] })).toMatchObject({
        status: 413,
        body: { detail: "at most 3 texts per request (EMBEDDING_MAX_TEXTS), got 4; split the request" },
      });
    } finally {
      await start();
    }
  });

  it("answers 422 in FastAPI's shape for bad JSON, a missing or non-list `texts`, and non-string items", async () => {
    expect(await embed("{nope")).toMatchObject({ status: 422, body: { detail: [{ type: "json_invalid", loc: ["body"] }] } });
    expect(await embed({})).toMatchObject({
      status: 422,
      body: { detail: [{ type: "missing", loc: ["body", "texts"], msg: "Field required" }] },
    });
    expect(await embed({ texts: "one" })).toMatchObject({ status: 422, body: { detail: [{ type: "list_type", loc: ["body", "texts"] }] } });
    expect(await embed({ texts: ["ok", 3] })).toMatchObject({
      status: 422,
      body: { detail: [{ type: "string_type", loc: ["body", "texts", 1] }] },
    });
    expect(llama.embeddingCalls()).toHaveLength(0);
  });

  it("answers 503 with Retry-After while llama-server loads the model, and 503 when it is down", async () => {
    llama.state = "loading";
    const loading = await embed({ texts: ["hi"] });
    expect(loading.status).toBe(503);
    expect(loading.headers.get("retry-after")).toBe("5");
    expect(loading.body.detail).toContain("is still loading the model");

    await llama.kill();
    try {
      const down = await embed({ texts: ["hi"] });
      expect(down.status).toBe(503);
      expect(down.body.detail).toContain("llama-server unreachable");
    } finally {
      await llama.start();
    }
  });
});

describe("GET /health", () => {
  it("is ok with the model's dimension when llama-server is ready and a probe embedding works (reference shape)", async () => {
    const res = await health();
    expect(res).toEqual({
      status: 200,
      body: {
        ok: true,
        model: "BAAI/bge-small-en-v1.5",
        dim: 384,
        batch_size: 4,
        normalize: true,
        threads: 0,
        loading: false,
        error: null,
      },
    });
    expect(llama.requests.map((r) => r.path)).toEqual(["/health", "/v1/embeddings"]);
  });

  it("is 200 with ok=false and loading=true while llama-server answers 503 Loading model", async () => {
    llama.state = "loading";
    const res = await health();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, loading: true, error: null });
  });

  it("is ok=false with the error when llama-server is down or hangs", async () => {
    await llama.kill();
    try {
      expect((await health()).body).toMatchObject({
        ok: false,
        loading: false,
        error: expect.stringContaining("llama-server unreachable for GET"),
      });
    } finally {
      await llama.start();
    }
    llama.state = "hang";
    const started = performance.now();
    expect((await health()).body).toMatchObject({ ok: false, error: expect.stringContaining("did not answer") });
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe("other routes", () => {
  it("/prewarm embeds a probe; /reload keeps the model llama-server serves and refuses another", async () => {
    const post = (path: string, body?: unknown) =>
      fetch(`${service.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body === undefined ? "{}" : JSON.stringify(body),
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as any,
      }));
    expect(await post("/prewarm")).toEqual({ status: 200, body: { ok: true, model: "BAAI/bge-small-en-v1.5", dim: 384 } });
    expect(await post("/reload", { model: "BAAI/bge-small-en-v1.5" })).toEqual({
      status: 200,
      body: { reloaded: false, model: "BAAI/bge-small-en-v1.5", dim: 384 },
    });
    const other = await post("/reload", { model: "intfloat/e5-small" });
    expect(other.status).toBe(409);
    expect(other.body.detail).toContain("start the embedding server with that GGUF");
  });

  it("/metrics has request counts by route and status, texts embedded and llama-server errors", async () => {
    await start(); // fresh counters
    await embed({ texts: ["a", "b", "c"] });
    await embed({ texts: 1 });
    llama.state = "loading";
    await embed({ texts: ["a"] });
    const text = await (await fetch(`${service.url}/metrics`)).text();
    expect(text).toContain('http_requests_total{handler="/embed",method="POST",status="200"} 1');
    expect(text).toContain('http_requests_total{handler="/embed",method="POST",status="422"} 1');
    expect(text).toContain('http_requests_total{handler="/embed",method="POST",status="503"} 1');
    expect(text).toContain("embedding_texts_total 3");
    expect(text).toContain('embedding_upstream_errors_total{upstream="llama-server",reason="loading"} 1');
    expect(text).toMatch(/http_request_duration_seconds_count\{handler="\/embed",method="POST",status="200"\} 1\n/);
  });
});
