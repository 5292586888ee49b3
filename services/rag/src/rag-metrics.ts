/** What the RAG service exposes at /metrics besides the per-request HTTP metrics. */
import { httpMetrics, Registry, type Counter, type HttpMetrics } from "../../common/src/metrics.ts";

export interface RagMetrics {
  registry: Registry;
  http: HttpMetrics;
  qdrantRetries: Counter;
  upstreamErrors: Counter;
  documents: Counter;
  chunks: Counter;
}

export function ragMetrics(): RagMetrics {
  const registry = new Registry();
  return {
    registry,
    http: httpMetrics(registry),
    qdrantRetries: registry.counter("rag_qdrant_retries_total", "Qdrant calls retried after a transient failure, by operation.", [
      "operation",
    ]),
    upstreamErrors: registry.counter(
      "rag_upstream_errors_total",
      "Calls to a dependency that failed for good (after retries), by upstream (qdrant, embedding, gateway) and reason (connect, timeout, network, auth, http_4xx, http_5xx).",
      ["upstream", "reason"],
    ),
    documents: registry.counter("rag_documents_indexed_total", "Documents an /index call processed, by result (indexed, failed).", [
      "result",
    ]),
    chunks: registry.counter("rag_chunks_indexed_total", "Chunks embedded and upserted into Qdrant."),
  };
}
