/** A document with more chunks than one upsert may carry goes to Qdrant in batches, and every chunk arrives. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UPSERT_BATCH_POINTS } from "../src/indexer.ts";
import { paragraph, startRagRig, type RagRig } from "./rag-rig.ts";

let rig: RagRig;

beforeAll(async () => {
  rig = await startRagRig({ env: { RAG_CHUNK_SIZE: "16", RAG_CHUNK_OVERLAP: "0" } });
});
afterAll(async () => {
  await rig?.stop();
});

describe("POST /index of a large document", () => {
  it(`upserts at most ${UPSERT_BATCH_POINTS} points per request`, async () => {
    const chunks = 2 * UPSERT_BATCH_POINTS + 10;
    rig.write("big.md", paragraph("ledger", 16 * chunks));
    const res = await rig.post("/index?collection=big");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.chunks).toBe(chunks);
    const upserts = rig.qdrant
      .requestsTo("PUT", /^\/collections\/big\/points$/)
      .map((r) => (r.body as { points: unknown[] }).points.length);
    expect(upserts).toEqual([UPSERT_BATCH_POINTS, UPSERT_BATCH_POINTS, 10]);
    expect(rig.qdrant.points("big")).toHaveLength(chunks);
  });
});
