/** What the embedding service exposes at /metrics besides the per-request HTTP metrics. */
import { httpMetrics, Registry, type Counter, type HttpMetrics } from "../../common/src/metrics.ts";

export interface EmbeddingMetrics {
  registry: Registry;
  http: HttpMetrics;
  texts: Counter;
  truncated: Counter;
  upstreamErrors: Counter;
}

export function embeddingMetrics(): EmbeddingMetrics {
  const registry = new Registry();
  return {
    registry,
    http: httpMetrics(registry),
    texts: registry.counter("embedding_texts_total", "Texts embedded."),
    truncated: registry.counter(
      "embedding_truncated_texts_total",
      "Texts cut to fit, by limit (chars: EMBEDDING_MAX_CHARS, tokens: EMBEDDING_MAX_TOKENS).",
      ["by"],
    ),
    upstreamErrors: registry.counter(
      "embedding_upstream_errors_total",
      "llama-server calls that failed, by reason (connect, timeout, network, loading, http_4xx, http_5xx).",
      ["upstream", "reason"],
    ),
  };
}
