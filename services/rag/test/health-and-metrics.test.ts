/**
 * GET /health means "can serve a query": 200 only with Qdrant, the embedding
 * model and the gateway all usable, else 503 naming what is wrong. GET
 * /metrics is Prometheus text with per-route counts and latencies.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMBEDDING_MODEL, paragraph, startRagRig, type RagRig } from "./rag-rig.ts";

let rig: RagRig;

beforeAll(async () => {
  rig = await startRagRig();
});
afterAll(async () => {
  await rig?.stop();
});

describe("GET /health", () => {
  it("is 200 in the reference's shape when every dependency works", async () => {
    const res = await rig.get("/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: "healthy",
      service: "rag",
      dependencies: {
        qdrant: { status: "healthy", error: null },
        embedding: { status: "healthy", dim: 384, model: EMBEDDING_MODEL, error: null },
        api_gateway: { status: "healthy", error: null },
        llm: { status: "not_checked", error: null },
      },
      config: { RAG_TOPK: 4, RAG_CHUNK_SIZE: 40, RAG_CHUNK_OVERLAP: 8, RAG_LLM_TIMEOUT: 5, RAG_LLM_MAX_TOKENS: 256 },
    });
  });

  it("is 503 with Retry-After while Qdrant is down", async () => {
    await rig.qdrant.stop();
    try {
      const res = await rig.get("/health");
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("30");
      expect(res.body.status).toBe("degraded");
      expect(res.body.dependencies.qdrant).toEqual({ status: "unhealthy", error: expect.stringContaining("qdrant unreachable") });
      expect(res.body.dependencies.embedding.status).toBe("healthy");
    } finally {
      await rig.qdrant.start();
    }
  });

  it("is 503 while the embedding server is still loading its model, and 200 once it is loaded", async () => {
    rig.llamaEmbed.state = "loading";
    try {
      const res = await rig.get("/health");
      expect(res.status).toBe(503);
      expect(res.body.dependencies.embedding).toEqual({
        status: "unhealthy",
        dim: null,
        error: `embedding model ${EMBEDDING_MODEL} is still loading`,
      });
    } finally {
      rig.llamaEmbed.state = "ready";
    }
    expect((await rig.get("/health")).status).toBe(200);
  });

  it("is 503 when the gateway is down", async () => {
    await rig.chat.kill();
    try {
      const res = await rig.get("/health");
      expect(res.status).toBe(503);
      expect(res.body.dependencies.api_gateway).toEqual({
        status: "unhealthy",
        error: expect.stringContaining("gateway unreachable for GET"),
      });
    } finally {
      await rig.chat.start();
    }
  });

  it("with ?llm=true also asks the chat model for a reply, and rejects a value that is not a boolean", async () => {
    // The stand-in answers "served-by:...", not "ok", so the LLM check fails while the rest is healthy.
    const res = await rig.get("/health?llm=true");
    expect(res.status).toBe(503);
    expect(res.body.dependencies.llm).toEqual({ status: "unhealthy", error: expect.stringContaining('instead of "ok"') });
    expect(res.body.dependencies.api_gateway.status).toBe("healthy");
    expect((await rig.get("/health?llm=false")).status).toBe(200);
    expect(await rig.get("/health?llm=maybe")).toMatchObject({ status: 422, body: { detail: [{ loc: ["query", "llm"] }] } });
  });

  it("answers in about 4 s, not EMBEDDING_TIMEOUT, when a dependency hangs", async () => {
    await rig.restartRag({ EMBEDDING_TIMEOUT: "30" });
    rig.llamaEmbed.state = "hang";
    try {
      const started = performance.now();
      const res = await rig.get("/health");
      expect(res.status).toBe(503);
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(res.body.dependencies.embedding.status).toBe("unhealthy");
    } finally {
      rig.llamaEmbed.state = "ready";
      await rig.restartRag({});
    }
  });
});

describe("POST /prewarm", () => {
  it("probes the embedding dimension and warms the chat model (reference shape)", async () => {
    const since = Date.now();
    expect(await rig.post("/prewarm")).toMatchObject({ status: 200, body: { ok: true, embed_dim: 384 } });
    expect(rig.chat.hitsSince(since)).toHaveLength(1);
  });
});

describe("GET /metrics", () => {
  it("exposes request counts and latency by route and status, indexing counters and upstream errors in Prometheus text", async () => {
    await rig.restartRag({}); // fresh counters
    rig.write("cats.md", paragraph("feline", 20));
    await rig.post("/index?collection=m");
    await rig.post("/query", { query: "feline", collection: "m" });
    await rig.post("/query", { query: "" });
    await rig.qdrant.stop();
    await rig.post("/query", { query: "feline", collection: "m" });
    await rig.qdrant.start();

    const res = await rig.get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = res.text;
    expect(text).toContain("# TYPE http_requests_total counter");
    expect(text).toContain('http_requests_total{handler="/query",method="POST",status="200"} 1');
    expect(text).toContain('http_requests_total{handler="/query",method="POST",status="400"} 1');
    expect(text).toContain('http_requests_total{handler="/query",method="POST",status="503"} 1');
    expect(text).toContain('http_requests_total{handler="/index",method="POST",status="200"} 1');
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(text).toMatch(/http_request_duration_seconds_bucket\{handler="\/query",method="POST",status="200",le="\+Inf"\} 1\n/);
    expect(text).toMatch(/http_request_duration_seconds_count\{handler="\/query",method="POST",status="200"\} 1\n/);
    expect(text).toContain('rag_documents_indexed_total{result="indexed"} 1');
    expect(text).toContain("rag_chunks_indexed_total 1");
    expect(text).toContain('rag_upstream_errors_total{upstream="qdrant",reason="connect"} 1');
    expect(text).toMatch(/rag_qdrant_retries_total\{operation="get_collection"\} 2\n/);
  });
});
