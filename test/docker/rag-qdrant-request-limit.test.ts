/**
 * A document whose chunks, sent in one request, would pass the real Qdrant's
 * request limit (v1.16.3: 32 MiB of JSON by default): Qdrant refuses such a
 * request, and RAG indexes the same document in full, batch by batch.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UPSERT_BATCH_POINTS } from "../../services/rag/src/indexer.ts";
import { paragraph, startRagRig, type RagRig } from "../../services/rag/test/rag-rig.ts";
import { startQdrantOn } from "../support/qdrant-client";
import { requireRealImages } from "../support/real-images";

const QDRANT_REQUEST_LIMIT = 32 * 1024 * 1024;
const DIM = 1024;
const CHUNKS = 2000;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rag-qdrant-limit-"));
let qdrant: { url: string; stop(): Promise<void> };
let rig: RagRig;

beforeAll(async () => {
  await requireRealImages();
  fs.chmodSync(work, 0o777);
  qdrant = await startQdrantOn(work);
  rig = await startRagRig({
    embeddingDim: DIM,
    env: { QDRANT_URL: qdrant.url, RAG_CHUNK_SIZE: "16", RAG_CHUNK_OVERLAP: "0", QDRANT_TIMEOUT: "30" },
  });
}, 180_000);

afterAll(async () => {
  await rig?.stop();
  await qdrant?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("a document over Qdrant's request limit", () => {
  it("is refused by Qdrant as one upsert, and indexed whole by RAG in batches", async () => {
    // The same points as one request: over the limit, and the real Qdrant says no.
    await fetch(`${qdrant.url}/collections/one-shot`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ vectors: { size: DIM, distance: "Cosine" } }),
    });
    const points = Array.from({ length: CHUNKS }, (_, i) => ({
      id: i + 1,
      vector: Array.from({ length: DIM }, (_, d) => Math.sin(i * DIM + d)),
      payload: { text: paragraph("ledger", 16) },
    }));
    const body = JSON.stringify({ points });
    expect(body.length).toBeGreaterThan(QDRANT_REQUEST_LIMIT);
    const oneShot = await fetch(`${qdrant.url}/collections/one-shot/points?wait=true`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body,
    });
    // v1.16.3: 400, "JSON payload (N bytes) is larger than allowed (limit: 33554432 bytes)".
    expect([oneShot.status, await oneShot.text()]).toEqual([400, expect.stringMatching(/larger than allowed \(limit: 33554432 bytes\)/)]);

    rig.write("ledger.md", paragraph("ledger", 16 * CHUNKS));
    const res = await rig.post("/index?collection=big");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.chunks).toBe(CHUNKS);
    const count = await fetch(`${qdrant.url}/collections/big/points/count`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ exact: true }),
    }).then((r) => r.json() as Promise<{ result: { count: number } }>);
    expect(count.result.count).toBe(CHUNKS);
    expect(Math.ceil(CHUNKS / UPSERT_BATCH_POINTS)).toBeGreaterThan(1);
  }, 300_000);
});
