/**
 * POST /index: chunk, embed and upsert documents, one document at a time.
 *
 * Nothing is dropped or recreated: each document's chunks are upserted under
 * deterministic ids, then only that document's leftover chunks (from a longer
 * earlier version) are deleted. A document that cannot be indexed is reported
 * and the others proceed; a dependency that is down stops the run, keeping
 * what was indexed so far.
 */
import { HttpError } from "../../common/src/http-error.ts";
import type { Timings } from "../../common/src/timings.ts";
import { statusForUpstreamFailure, UpstreamError } from "../../common/src/upstream-error.ts";
import { chunkWords } from "./chunking.ts";
import { identityConflict, identityMetadata, type EmbeddingIdentity } from "./collection-identity.ts";
import type { RagConfig } from "./config.ts";
import { DocumentProblem, readDocument, resolveTarget, type DocumentRef } from "./documents.ts";
import type { EmbeddingClient } from "./embedding-client.ts";
import { pointId } from "./point-id.ts";
import type { QdrantClient } from "./qdrant-client.ts";
import type { RagMetrics } from "./rag-metrics.ts";

export interface IndexDeps {
  config: RagConfig;
  qdrant: QdrantClient;
  embedding: EmbeddingClient;
  metrics: RagMetrics;
}

/**
 * The reference's {collection, chunks}, plus what scripts/ai.py reads
 * (message, indexed_files, total_chunks) and the per-document failures.
 */
export interface IndexReport {
  collection: string;
  chunks: number;
  total_chunks: number;
  message: string;
  indexed_files: { file: string; chunks: number }[];
  failed_files: { file: string; error: string }[];
  embedding_model: string | null;
  embedding_dim: number | null;
}

/** Text embedded once per run to learn the embedding model and dimension before anything is written. */
const IDENTITY_PROBE = "dimension probe";

export async function indexDocuments(
  deps: IndexDeps,
  collection: string,
  relPath: string | undefined,
  timings: Timings,
): Promise<IndexReport> {
  const target = await resolveTarget(deps.config.documentsDir, relPath);
  const report: IndexReport = {
    collection,
    chunks: 0,
    total_chunks: 0,
    message: "",
    indexed_files: [],
    failed_files: [],
    embedding_model: null,
    embedding_dim: null,
  };
  if (!target.documents.length) {
    report.message = `no .md or .txt documents under ${JSON.stringify(target.shown)}; nothing indexed`;
    return report;
  }

  const identity = await withUpstreamStatus(report, async () => {
    const probe = await timings.measure("embed", () => deps.embedding.embed([IDENTITY_PROBE]));
    return { model: probe.model, dim: probe.dim };
  });
  report.embedding_model = identity.model;
  report.embedding_dim = identity.dim;
  await withUpstreamStatus(report, () => ensureCollection(deps, collection, identity, timings));

  for (const doc of target.documents) {
    try {
      const chunks = await indexOne(deps, collection, doc, identity, timings);
      report.indexed_files.push({ file: doc.id, chunks });
      report.chunks += chunks;
      deps.metrics.documents.inc({ result: "indexed" });
      deps.metrics.chunks.inc({}, chunks);
    } catch (error) {
      deps.metrics.documents.inc({ result: "failed" });
      if (error instanceof HttpError) throw error;
      const documentFault = error instanceof DocumentProblem || (error instanceof UpstreamError && isRejectionOfTheDocument(error));
      if (!documentFault) {
        report.total_chunks = report.chunks;
        report.message = summary(report, target.documents.length);
        throw upstreamHttpError(error, `indexing stopped at ${doc.id}`, report);
      }
      const message = (error as Error).message;
      // A single requested file that cannot be indexed is the request's fault.
      if (target.kind === "file") throw new HttpError(error instanceof DocumentProblem ? error.status : 422, message);
      report.failed_files.push({ file: doc.id, error: message });
    }
  }
  report.total_chunks = report.chunks;
  report.message = summary(report, target.documents.length);
  return report;
}

/** Points per upsert request: at most about 5 MB of JSON with 1024-dim vectors and 512-word chunks. */
export const UPSERT_BATCH_POINTS = 256;

async function indexOne(
  deps: IndexDeps,
  collection: string,
  doc: DocumentRef,
  identity: EmbeddingIdentity,
  timings: Timings,
): Promise<number> {
  const { retrieval, maxDocumentBytes } = deps.config;
  const text = await readDocument(doc, maxDocumentBytes);
  const chunks = chunkWords(text, retrieval.chunkSize, retrieval.chunkOverlap);
  if (chunks.length) {
    const embedded = await timings.measure("embed", () => deps.embedding.embed(chunks));
    if (embedded.model !== identity.model || embedded.dim !== identity.dim) {
      throw new HttpError(
        409,
        `the embedding service switched from ${identity.model} (${identity.dim} dims) to ${embedded.model} (${embedded.dim} dims) during indexing; run /index again`,
      );
    }
    const points = chunks.map((chunk, i) => ({
      id: pointId(collection, doc.id, i),
      vector: embedded.vectors[i]!,
      payload: { doc_id: doc.id, chunk_id: i, text: chunk, source: doc.id },
    }));
    // In batches: one request for a large document's every chunk can pass Qdrant's request limit
    // (32 MB by default: 2000 chunks of 1024-dim vectors and their text are about 40 MB as JSON).
    for (let from = 0; from < points.length; from += UPSERT_BATCH_POINTS) {
      const batch = points.slice(from, from + UPSERT_BATCH_POINTS);
      await timings.measure("qdrant", () => deps.qdrant.upsert(collection, batch));
    }
  }
  // Only after the new version is in: drop chunks an older, longer version left behind.
  await timings.measure("qdrant", () => deps.qdrant.deleteChunksFrom(collection, doc.id, chunks.length));
  return chunks.length;
}

/** Creates the collection for this model, or checks that the existing one was made by it. */
async function ensureCollection(deps: IndexDeps, collection: string, identity: EmbeddingIdentity, timings: Timings): Promise<void> {
  let info = await timings.measure("qdrant", () => deps.qdrant.getCollection(collection));
  if (!info) {
    const created = await timings.measure("qdrant", () =>
      deps.qdrant.createCollection(collection, identity.dim, identityMetadata(identity)),
    );
    if (created === "created") return;
    info = await timings.measure("qdrant", () => deps.qdrant.getCollection(collection));
    if (!info) throw new HttpError(503, `collection ${collection} was reported as existing but cannot be read`);
  }
  const conflict = identityConflict(info, identity, deps.config.qdrant.url);
  if (conflict) throw new HttpError(409, conflict);
}

/** A 4xx that says this document's data was refused (too long, malformed), not that the dependency is unusable. */
function isRejectionOfTheDocument(error: UpstreamError): boolean {
  return (
    error.failure === "http" &&
    error.status !== undefined &&
    error.status >= 400 &&
    error.status < 500 &&
    ![401, 403, 404, 408, 429].includes(error.status)
  );
}

async function withUpstreamStatus<T>(report: IndexReport, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof UpstreamError ? upstreamHttpError(error, "indexing could not start", report) : error;
  }
}

function upstreamHttpError(error: unknown, what: string, report: IndexReport): unknown {
  if (!(error instanceof UpstreamError)) return error;
  return new HttpError(statusForUpstreamFailure(error), `${what}: ${error.message}`, { extra: { ...report } });
}

function summary(report: IndexReport, total: number): string {
  const failed = report.failed_files.length ? `; ${report.failed_files.length} failed` : "";
  return `indexed ${report.indexed_files.length} of ${total} documents into "${report.collection}" (${report.chunks} chunks)${failed}`;
}
