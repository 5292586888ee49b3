/**
 * POST /query end to end with stand-ins: the answer comes from the chat model
 * with the right passages in its prompt, in the reference's response shape;
 * bad input is a 4xx; a collection made by another embedding model is refused.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HttpError } from "../../common/src/http-error.ts";
import { loadRagConfig } from "../src/config.ts";
import { MAX_QUERY_CHARS, parseQueryBody } from "../src/query.ts";
import { blackholePort } from "../../../test/support/blackhole-port";
import { SERVED_BY_PREFIX } from "../../../test/support/fake-llama-server";
import { EMBEDDING_MODEL, paragraph, startRagRig, type RagRig } from "./rag-rig.ts";

let rig: RagRig;

beforeAll(async () => {
  rig = await startRagRig();
  rig.write("animals/cats.md", `Cats purr when content. ${paragraph("feline", 30)}`);
  rig.write("space/rockets.md", `Rockets burn fuel to reach orbit. ${paragraph("orbital", 30)}`);
  const indexed = await rig.post("/index?collection=kb");
  expect(indexed.status).toBe(200);
});
afterAll(async () => {
  await rig?.stop();
});
beforeEach(() => {
  rig.qdrant.clearFaults();
  rig.qdrant.delayMs = 0;
});

describe("POST /query", () => {
  it("answers from the chat model with the best passages, in the reference's shape plus `response` for the MCP server", async () => {
    const since = Date.now();
    const res = await rig.post("/query", { query: "why do cats purr? feline", collection: "kb", topk: 2 });

    expect(res.status).toBe(200);
    // The stand-in answers "served-by:<name>" and one " ." per further token RAG asked for.
    const [hit] = rig.chat.hitsSince(since);
    const answer = `${SERVED_BY_PREFIX}chat-stand-in${" .".repeat(hit!.maxTokens - 1)}`;
    expect(res.body).toMatchObject({
      answer,
      response: answer,
      cached: false,
      collection: "kb",
      usage: { total_tokens: 5 + hit!.maxTokens },
    });
    expect(res.body.context).toHaveLength(2);
    expect(res.body.context[0]).toMatchObject({ doc_id: "animals/cats.md", chunk_id: 0, source: "animals/cats.md" });
    expect(res.body.context[0].score).toBeGreaterThan(res.body.context[1].score);
    expect(typeof res.body.response_time_ms).toBe("number");
    expect(res.headers.get("server-timing")).toMatch(/^qdrant;dur=[\d.]+, embed;dur=[\d.]+, llm;dur=[\d.]+, total;dur=[\d.]+$/);

    expect(hit).toMatchObject({ model: "chat-7b", stream: false });
    const [system, user] = hit!.messages as { role: string; content: string }[];
    expect(system!.role).toBe("system");
    expect(user!.content).toContain("Question:\nwhy do cats purr? feline");
    expect(user!.content).toContain("[1] (animals/cats.md) Cats purr when content.");
  });

  it("uses RAG_TOPK and RAG_DEFAULT_COLLECTION when the request names neither (topk 0 or null counts as unset)", async () => {
    await rig.restartRag({ RAG_TOPK: "1", RAG_DEFAULT_COLLECTION: "kb" });
    try {
      for (const body of [
        { query: "rockets orbital" },
        { query: "rockets orbital", topk: 0, collection: null },
        { query: "rockets orbital", topk: null, collection: "" },
      ]) {
        const res = await rig.post("/query", body);
        expect(res.status).toBe(200);
        expect(res.body.context).toEqual([expect.objectContaining({ doc_id: "space/rockets.md" })]);
      }
    } finally {
      await rig.restartRag({});
    }
  });

  it("ignores fields other clients send (scripts/ai.py: limit, score_threshold, include_context)", async () => {
    const res = await rig.post("/query", { query: "cats", collection: "kb", limit: 5, score_threshold: 0.7, include_context: true });
    expect(res.status).toBe(200);
  });

  it("answers 4xx with a message for an empty query, an unknown collection, bad JSON and wrong field types", async () => {
    expect(await rig.post("/query", { query: "   ", collection: "kb" })).toMatchObject({
      status: 400,
      body: { detail: "query must not be empty" },
    });
    expect(await rig.post("/query", { query: "cats", collection: "nope" })).toMatchObject({
      status: 404,
      body: { detail: 'collection "nope" does not exist; index documents into it first with POST /index?collection=nope' },
    });
    expect(await rig.post("/query", "{oops")).toMatchObject({ status: 422, body: { detail: [{ type: "json_invalid", loc: ["body"] }] } });
    expect(await rig.post("/query", { collection: "kb" })).toMatchObject({
      status: 422,
      body: { detail: [{ type: "missing", loc: ["body", "query"], msg: "Field required" }] },
    });
    expect(await rig.post("/query", { query: 42 })).toMatchObject({
      status: 422,
      body: { detail: [{ type: "string_type", loc: ["body", "query"] }] },
    });
    expect(await rig.post("/query", { query: "cats", topk: "many" })).toMatchObject({
      status: 422,
      body: { detail: [{ type: "int_type", loc: ["body", "topk"] }] },
    });
    expect(await rig.post("/query", [1, 2])).toMatchObject({ status: 422, body: { detail: [{ loc: ["body"] }] } });
    expect(await rig.post("/query", { query: "x".repeat(MAX_QUERY_CHARS + 1) })).toMatchObject({ status: 413 });
    expect(await rig.post("/query", { query: "cats", collection: "../etc" })).toMatchObject({ status: 400 });
  });

  it("answers 404 for unknown routes and 405 for a wrong method, in FastAPI's shape", async () => {
    expect(await rig.post("/nowhere", {})).toMatchObject({ status: 404, body: { detail: "Not Found" } });
    expect(await rig.get("/query")).toMatchObject({ status: 405, body: { detail: "Method Not Allowed" } });
  });

  it("maps a dead chat server to 503 and a chat model slower than RAG_LLM_TIMEOUT to 504", async () => {
    await rig.restartRag({ RAG_LLM_TIMEOUT: "0.3" });
    try {
      rig.chat.hang();
      const started = performance.now();
      const slow = await rig.post("/query", { query: "cats", collection: "kb" });
      const ms = performance.now() - started;
      expect(slow.status).toBe(504);
      expect(slow.body.detail).toMatch(/gateway did not answer POST .*\/chat\/completions within 300 ms/);
      // The deadline applied, loosely: well before the 5 s the rig uses otherwise.
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(3000);
      rig.chat.recover();

      await rig.chat.kill();
      const dead = await rig.post("/query", { query: "cats", collection: "kb" });
      expect(dead.status).toBe(503);
      expect(dead.body.detail).toContain("gateway unreachable");
    } finally {
      rig.chat.recover();
      await rig.chat.start();
      await rig.restartRag({});
    }
  });

  it("applies LLM_CONNECT_TIMEOUT to a gateway whose handshake never completes, and EMBEDDING_TIMEOUT to a hung embedding service", async () => {
    const blackhole = await blackholePort();
    try {
      await rig.restartRag({
        RAG_LLM_API_BASE: `http://127.0.0.1:${blackhole.port}/v1`,
        LLM_CONNECT_TIMEOUT: "0.3",
        RAG_LLM_TIMEOUT: "20",
      });
      const started = performance.now();
      const res = await rig.post("/query", { query: "cats", collection: "kb" });
      expect(res.status).toBe(503);
      expect(res.body.detail).toBe(`gateway: no connection to 127.0.0.1:${blackhole.port} within 300 ms`);
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      blackhole.close();
    }

    await rig.restartRag({ EMBEDDING_TIMEOUT: "0.3" });
    rig.llamaEmbed.state = "hang";
    try {
      const started = performance.now();
      const res = await rig.post("/query", { query: "cats", collection: "kb" });
      expect(res.status).toBe(504);
      expect(res.body.detail).toMatch(/^embedding did not answer POST .*\/embed within 300 ms$/);
      expect(performance.now() - started).toBeLessThan(4000);
    } finally {
      rig.llamaEmbed.state = "ready";
      await rig.restartRag({});
    }
  });

  it("answers 503 while the embedding model is still loading", async () => {
    rig.llamaEmbed.state = "loading";
    try {
      const res = await rig.post("/query", { query: "cats", collection: "kb" });
      expect(res.status).toBe(503);
      expect(res.body.detail).toContain("is still loading the model");
    } finally {
      rig.llamaEmbed.state = "ready";
    }
  });
});

describe("embedding model identity", () => {
  it("refuses to query or index a collection made by another embedding model, naming both models and how to re-index", async () => {
    await rig.restartEmbedding("nomic-ai/nomic-embed-text-v1.5");
    try {
      const query = await rig.post("/query", { query: "cats", collection: "kb" });
      expect(query.status).toBe(409);
      expect(query.body.detail).toContain(`collection "kb" was indexed with embedding model ${EMBEDDING_MODEL} (384 dims)`);
      expect(query.body.detail).toContain("the embedding service now serves nomic-ai/nomic-embed-text-v1.5 (384 dims)");
      expect(query.body.detail).toContain(`curl -X DELETE ${rig.qdrant.url}/collections/kb`);
      expect(query.body.detail).toContain("POST /index?collection=kb");

      const before = rig.qdrant.points("kb").length;
      const index = await rig.post("/index?collection=kb");
      expect(index.status).toBe(409);
      expect(index.body.detail).toContain(`indexed with embedding model ${EMBEDDING_MODEL}`);
      // Nothing was written with the other model's vectors.
      expect(rig.qdrant.points("kb").length).toBe(before);
      expect(rig.qdrant.collections.get("kb")!.metadata).toMatchObject({ embedding_model: EMBEDDING_MODEL });
    } finally {
      await rig.restartEmbedding(EMBEDDING_MODEL);
    }
  });

  it("refuses a collection that records no model (made outside this service), and one whose dimension differs", async () => {
    rig.qdrant.collections.set("legacy", { size: 384, distance: "Cosine", metadata: undefined, points: new Map() });
    const legacy = await rig.post("/query", { query: "cats", collection: "legacy" });
    expect(legacy.status).toBe(409);
    expect(legacy.body.detail).toContain('collection "legacy" records no embedding model');
    expect(legacy.body.detail).toContain(`its 384-dim vectors cannot be trusted to match ${EMBEDDING_MODEL} (384 dims)`);

    rig.qdrant.collections.set("wide", {
      size: 768,
      distance: "Cosine",
      metadata: { embedding_model: EMBEDDING_MODEL, embedding_dim: 768 },
      points: new Map(),
    });
    const wide = await rig.post("/query", { query: "cats", collection: "wide" });
    expect(wide.status).toBe(409);
    expect(wide.body.detail).toContain(
      `indexed with embedding model ${EMBEDDING_MODEL} (768 dims), but the embedding service now serves ${EMBEDDING_MODEL} (384 dims)`,
    );
  });
});

describe("parseQueryBody", () => {
  const config = loadRagConfig({ RAG_TOPK: "4" });

  it("keeps the reference's defaults and trims the query", () => {
    expect(parseQueryBody({ query: "  hi  " }, config)).toEqual({ query: "hi", collection: "myproj", topk: 4 });
    expect(parseQueryBody({ query: "hi", topk: 7, collection: "c" }, config)).toEqual({ query: "hi", collection: "c", topk: 7 });
  });

  it("rejects out-of-range topk", () => {
    expect(() => parseQueryBody({ query: "hi", topk: -1 }, config)).toThrow(HttpError);
    expect(() => parseQueryBody({ query: "hi", topk: 101 }, config)).toThrow(/from 0 to 100/);
    expect(() => parseQueryBody({ query: "hi", topk: 2.5 }, config)).toThrow(/valid integer/);
  });
});
