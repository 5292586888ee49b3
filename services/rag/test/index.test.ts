/**
 * POST /index against fake Qdrant and the real embedding service: what gets
 * stored, that re-indexing neither duplicates nor loses anything, and that a
 * bad document is reported while the others are indexed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pointId } from "../src/point-id.ts";
import { EMBEDDING_MODEL, paragraph, startRagRig, type RagRig } from "./rag-rig.ts";

let rig: RagRig;

beforeAll(async () => {
  rig = await startRagRig({ env: { RAG_MAX_DOCUMENT_BYTES: "20000" } });
});
afterAll(async () => {
  await rig?.stop();
});
beforeEach(() => {
  rig.qdrant.collections.clear();
  rig.qdrant.clearFaults();
  rig.clearDocuments();
});

describe("POST /index", () => {
  it("indexes every .md and .txt document below the documents directory into a new collection that records its embedding model", async () => {
    rig.write("guide.md", paragraph("alpha", 100));
    rig.write("notes/howto.txt", paragraph("beta", 30));
    rig.write("image.png", Buffer.from([0x89, 0x50, 0x4e, 0x47]));

    const res = await rig.post("/index?collection=docs");

    expect(res.status).toBe(200);
    // 100 words in windows of 40 sharing 8: 0-39, 32-71, 64-99.
    expect(res.body).toMatchObject({
      collection: "docs",
      chunks: 4,
      total_chunks: 4,
      indexed_files: [
        { file: "guide.md", chunks: 3 },
        { file: "notes/howto.txt", chunks: 1 },
      ],
      failed_files: [],
      embedding_model: EMBEDDING_MODEL,
      embedding_dim: 384,
    });
    expect(res.body.message).toContain("indexed 2 of 2 documents");
    const collection = rig.qdrant.collections.get("docs")!;
    expect(collection).toMatchObject({
      size: 384,
      distance: "Cosine",
      metadata: { embedding_model: EMBEDDING_MODEL, embedding_dim: 384, created_by: "local-ai-suite-rag" },
    });
    const guide = rig.qdrant.points("docs").filter((p) => p.payload.doc_id === "guide.md");
    expect(guide.map((p) => p.payload.chunk_id).sort()).toEqual([0, 1, 2]);
    expect(guide.find((p) => p.payload.chunk_id === 0)).toMatchObject({
      id: pointId("docs", "guide.md", 0),
      payload: { source: "guide.md" },
    });
    expect(guide[0]!.payload.text).toEqual(expect.stringContaining("alpha"));
    // Upserts waited for Qdrant to apply them, so a query right after sees them.
    expect(rig.qdrant.requestsTo("PUT", /\/points$/).every((r) => r.query.get("wait") === "true")).toBe(true);
  });

  it("re-indexing overwrites the same point ids, and a document that shrank loses only its leftover chunks", async () => {
    rig.write("guide.md", paragraph("alpha", 100));
    rig.write("notes/howto.txt", paragraph("beta", 30));
    await rig.post("/index?collection=docs");
    const before = rig.qdrant
      .points("docs")
      .map((p) => p.id)
      .sort();

    const again = await rig.post("/index?collection=docs");
    expect(again.status).toBe(200);
    expect(
      rig.qdrant
        .points("docs")
        .map((p) => p.id)
        .sort(),
    ).toEqual(before);

    rig.write("guide.md", paragraph("alpha", 20));
    const shrunk = await rig.post("/index?collection=docs");
    expect(shrunk.body.indexed_files).toContainEqual({ file: "guide.md", chunks: 1 });
    const guide = rig.qdrant.points("docs").filter((p) => p.payload.doc_id === "guide.md");
    expect(guide.map((p) => p.payload.chunk_id)).toEqual([0]);
    // The other document was not touched by guide.md's clean-up.
    expect(rig.qdrant.points("docs").some((p) => p.payload.doc_id === "notes/howto.txt")).toBe(true);
  });

  it("reports an oversized and a binary document and indexes the rest; nothing indexed earlier is lost", async () => {
    rig.write("guide.md", paragraph("alpha", 100));
    rig.write("notes/howto.txt", paragraph("beta", 30));
    await rig.post("/index?collection=docs");
    const earlier = rig.qdrant.points("docs").length;

    rig.write("big.md", "x".repeat(20001));
    rig.write("binary.txt", Buffer.from([0x68, 0x69, 0x00, 0x01, 0x02]));
    rig.write("latin1.txt", Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    rig.write("zz-new.md", paragraph("gamma", 10));
    const res = await rig.post("/index?collection=docs");

    expect(res.status).toBe(200);
    expect(res.body.failed_files).toEqual([
      { file: "big.md", error: expect.stringContaining("over the 20000-byte limit (RAG_MAX_DOCUMENT_BYTES)") },
      { file: "binary.txt", error: expect.stringContaining("binary content") },
      { file: "latin1.txt", error: expect.stringContaining("not valid UTF-8") },
    ]);
    expect(res.body.indexed_files.map((f: { file: string }) => f.file)).toEqual(["guide.md", "notes/howto.txt", "zz-new.md"]);
    expect(rig.qdrant.points("docs").length).toBe(earlier + 1);
  });

  it("a document Qdrant rejects is reported and the documents after it are still indexed", async () => {
    rig.write("a-first.md", paragraph("delta", 10));
    rig.write("b-rejected.md", paragraph("epsilon", 10));
    rig.write("c-last.md", paragraph("zeta", 10));
    // Qdrant refuses (400, not retried) the upsert carrying b-rejected.md's chunks.
    const rejected = (r: { method: string; path: string; body: unknown }) =>
      r.method === "PUT" && r.path.endsWith("/points") && JSON.stringify(r.body).includes('"doc_id":"b-rejected.md"');
    rig.qdrant.failWhile(rejected, 400);

    const res = await rig.post("/index?collection=docs");

    expect(res.status).toBe(200);
    expect(res.body.failed_files).toEqual([{ file: "b-rejected.md", error: expect.stringContaining("qdrant upsert answered 400") }]);
    const ids = new Set(rig.qdrant.points("docs").map((p) => p.payload.doc_id));
    expect(ids.has("a-first.md") && ids.has("c-last.md")).toBe(true);
    expect(ids.has("b-rejected.md")).toBe(false);
    expect(rig.qdrant.requests.filter(rejected)).toHaveLength(1);
  });

  it("stops with 503 when Qdrant stays down mid-run, keeping the documents already indexed and saying how far it got", async () => {
    rig.write("a-first.md", paragraph("delta", 10));
    rig.write("b-rejected.md", paragraph("epsilon", 10));
    let upserts = 0;
    // The first document's upsert goes through; from the second one on Qdrant fails every attempt.
    rig.qdrant.failWhile((r) => r.method === "PUT" && r.path.endsWith("/points") && ++upserts > 1, 503);

    const res = await rig.post("/index?collection=docs");

    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/^indexing stopped at b-rejected\.md: qdrant upsert answered 503/);
    expect(res.body.indexed_files).toEqual([{ file: "a-first.md", chunks: 1 }]);
    expect(rig.qdrant.points("docs").map((p) => p.payload.doc_id)).toContain("a-first.md");
  });

  it("takes the collection from a JSON body when no query parameter names one (scripts/ai.py), else RAG_DEFAULT_COLLECTION", async () => {
    rig.write("guide.md", paragraph("alpha", 10));
    const fromBody = await rig.post("/index", { collection: "ai-py", chunk_size: 1000, chunk_overlap: 200 });
    expect(fromBody.status).toBe(200);
    expect(fromBody.body.collection).toBe("ai-py");
    expect(rig.qdrant.collections.has("ai-py")).toBe(true);
    const byDefault = await rig.post("/index");
    expect(byDefault.body.collection).toBe("myproj");
    expect(rig.qdrant.collections.has("myproj")).toBe(true);
  });

  it("indexes one file named by path, and answers 4xx when that file cannot be indexed", async () => {
    rig.write("single/one.md", paragraph("eta", 10));
    rig.write("single/huge.md", "y ".repeat(15000));
    rig.write("single/photo.md", Buffer.from([0xff, 0xd8, 0xff, 0x00]));
    rig.write("single/data.csv", "a,b");

    const one = await rig.post("/index?collection=single&path=single/one.md");
    expect(one.status).toBe(200);
    expect(one.body.indexed_files).toEqual([{ file: "single/one.md", chunks: 1 }]);

    expect(await rig.post("/index?collection=single&path=single/huge.md")).toMatchObject({
      status: 413,
      body: { detail: expect.stringContaining("over the 20000-byte limit") },
    });
    expect(await rig.post("/index?collection=single&path=single/photo.md")).toMatchObject({
      status: 415,
      body: { detail: expect.stringContaining("binary content") },
    });
    expect(await rig.post("/index?collection=single&path=single/data.csv")).toMatchObject({
      status: 415,
      body: { detail: expect.stringContaining("is not a .md or .txt document") },
    });
  });

  it("refuses paths outside the documents directory, missing paths, bad collection names and bad JSON", async () => {
    expect(await rig.post("/index?path=/etc")).toMatchObject({
      status: 400,
      body: { detail: expect.stringContaining("must be relative to the documents directory") },
    });
    expect(await rig.post("/index?path=../../etc")).toMatchObject({
      status: 400,
      body: { detail: expect.stringContaining("leaves the documents directory") },
    });
    expect(await rig.post("/index?path=nope")).toMatchObject({
      status: 404,
      body: { detail: expect.stringContaining('no file or directory "nope"') },
    });
    expect(await rig.post("/index?collection=a/b")).toMatchObject({
      status: 400,
      body: { detail: expect.stringContaining("collection must be") },
    });
    expect(await rig.post("/index", "{not json")).toMatchObject({
      status: 422,
      body: { detail: [{ type: "json_invalid", loc: ["body"] }] },
    });
    expect(rig.qdrant.collections.size).toBe(0);
  });

  it("answers 200 with 0 chunks for a directory without documents, touching nothing (as the reference did)", async () => {
    rig.write("empty-dir/readme.rst", "not indexed");
    const res = await rig.post("/index?collection=none&path=empty-dir");
    expect(res).toMatchObject({ status: 200, body: { collection: "none", chunks: 0, indexed_files: [], failed_files: [] } });
    expect(rig.qdrant.collections.has("none")).toBe(false);
  });
});
