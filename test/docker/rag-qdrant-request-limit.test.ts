/**
 * A document whose chunks, sent in one request, would pass the real Qdrant's
 * request limit (v1.16.3: 32 MiB of JSON by default): Qdrant refuses such a
 * request, and RAG indexes the same document in full, batch by batch.
 */
import * as fs from "node:fs";
import * as http from "node:http";
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

const countPoints = async (collection: string) =>
  (
    (await fetch(`${qdrant.url}/collections/${collection}/points/count`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ exact: true }),
    }).then((r) => r.json())) as { result: { count: number } }
  ).result.count;

/** A PUT of `body` that keeps the server's answer even when the server closes before the body is all sent. */
function putOverLimit(url: string, body: string): Promise<{ status: number; text: string; error?: string }> {
  return new Promise((resolve) => {
    let answered = false;
    const req = http.request(
      url,
      { method: "PUT", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        answered = true;
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    // The answer may still arrive after the write fails: wait a moment for it.
    req.on("error", (error) =>
      setTimeout(() => answered || resolve({ status: 0, text: "", error: (error as NodeJS.ErrnoException).code ?? error.message }), 2000),
    );
    req.end(body);
  });
}

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
    const oneShot = await putOverLimit(`${qdrant.url}/collections/one-shot/points?wait=true`, body);
    // v1.16.3 answers 400 "JSON payload (N bytes) is larger than allowed (limit: 33554432 bytes)" from the
    // Content-Length alone and closes: a busy client may still be sending, and sees the upload cut instead.
    if (oneShot.status)
      expect([oneShot.status, oneShot.text]).toEqual([400, expect.stringMatching(/larger than allowed \(limit: 33554432 bytes\)/)]);
    else expect(oneShot.error).toMatch(/EPIPE|ECONNRESET/);
    expect(await countPoints("one-shot")).toBe(0);

    rig.write("ledger.md", paragraph("ledger", 16 * CHUNKS));
    const res = await rig.post("/index?collection=big");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.chunks).toBe(CHUNKS);
    expect(await countPoints("big")).toBe(CHUNKS);
    expect(Math.ceil(CHUNKS / UPSERT_BATCH_POINTS)).toBeGreaterThan(1);
  }, 300_000);
});
