/**
 * An answer prompt over the answering server's context: the server's 400
 * (llama-server's exceed_context_size_error, which LiteLLM passes on) makes
 * RAG ask again with half the passages' budget, until it fits or its retries
 * are spent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../../common/src/upstream-error.ts";
import { contextTooLong } from "../src/query.ts";
import { paragraph, startRagRig, type RagRig } from "./rag-rig.ts";

let rig: RagRig;

beforeAll(async () => {
  // Passages of up to 1200 estimated tokens (4800 characters) against a slot of 800 tokens at 2 characters each.
  rig = await startRagRig({
    chatContextTokens: 800,
    env: { RAG_CONTEXT_BUDGET_TOKENS: "1200", RAG_LLM_MAX_TOKENS: "16", RAG_CHUNK_SIZE: "200", RAG_CHUNK_OVERLAP: "8" },
  });
  for (let i = 0; i < 6; i++) rig.write(`digits/${i}.md`, `Ledger ${i}: ${paragraph(`entry${i}`, 120)}`);
  expect((await rig.post("/index?collection=dense")).status).toBe(200);
});
afterAll(async () => {
  await rig?.stop();
});

describe("RAG's answer prompt against a server's context", () => {
  it("halves the passages' budget and asks again when the server refuses the prompt as too long", async () => {
    const since = Date.now();
    const res = await rig.post("/query", { query: "what is in the ledger?", collection: "dense", topk: 6 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const sizes = rig.chat.hitsSince(since).map((h) => h.prompt.length);
    // The first prompt was refused, each retry shorter, and the last one answered.
    expect(sizes.length).toBeGreaterThan(1);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeLessThan(sizes[i - 1]!);
    expect(res.body.answer).toMatch(/^served-by:chat-stand-in/);
  });

  it("reports the refusal once its retries are spent (the answer alone is over the slot)", async () => {
    await rig.restartRag({ ...rig.env, RAG_LLM_MAX_TOKENS: "5000" });
    const since = Date.now();
    const res = await rig.post("/query", { query: "what is in the ledger?", collection: "dense", topk: 1 });
    expect(res.status).toBe(502);
    expect(res.body.detail).toMatch(/exceeds the available context size/);
    expect(rig.chat.hitsSince(since).length).toBe(4);
  });
});

describe("contextTooLong", () => {
  it("knows llama-server's and LiteLLM's context refusals, and nothing else", () => {
    const refusal = (status: number, message: string) => new UpstreamError("gateway", "http", message, status);
    expect(contextTooLong(refusal(400, "request (1222 tokens) exceeds the available context size (1024 tokens), try increasing it"))).toBe(
      true,
    );
    expect(contextTooLong(refusal(400, "litellm.ContextWindowExceededError: litellm.BadRequestError: ..."))).toBe(true);
    expect(contextTooLong(refusal(400, "No connected db."))).toBe(false);
    expect(contextTooLong(refusal(503, "exceeds the available context size"))).toBe(false);
    expect(contextTooLong(new Error("exceeds the available context size"))).toBe(false);
  });
});
