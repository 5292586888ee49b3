/**
 * GET /health in the reference's shape. It always answers 200, as the
 * reference did; `ok` is true only when llama-server reports the model loaded
 * (/health 200) and a probe embedding actually works, so a probe must check
 * `ok`, not the status.
 */
import type { EmbeddingConfig } from "./config.ts";
import type { Embedder } from "./embedder.ts";
import { isLoading, type LlamaClient } from "./llama-client.ts";

export interface EmbeddingHealth {
  ok: boolean;
  model: string;
  dim: number | null;
  batch_size: number;
  normalize: boolean;
  /** The reference's EMBEDDING_THREADS; 0 = not set here (llama-server's -t decides). */
  threads: number;
  loading: boolean;
  error: string | null;
}

/** No health check may take longer than this, so a 5 s probe gets an answer. */
export const HEALTH_CHECK_TIMEOUT_MS = 4000;
const PROBE_TEXT = "dimension probe";

export async function checkHealth(config: EmbeddingConfig, llama: LlamaClient, embedder: Embedder): Promise<EmbeddingHealth> {
  const health: EmbeddingHealth = {
    ok: false,
    model: config.model,
    dim: embedder.dim,
    batch_size: config.batchSize,
    normalize: config.normalize,
    threads: 0,
    loading: false,
    error: null,
  };
  const timeoutMs = Math.min(config.timeoutMs, HEALTH_CHECK_TIMEOUT_MS);
  try {
    if ((await llama.state(timeoutMs)) === "loading") {
      health.loading = true;
      return health;
    }
    const [vector] = await llama.embed([PROBE_TEXT], timeoutMs);
    if (!vector?.length) {
      health.error = "llama-server returned an empty probe embedding";
      return health;
    }
    health.dim = embedder.dim = vector.length;
    health.ok = true;
  } catch (error) {
    if (isLoading(error)) health.loading = true;
    else health.error = error instanceof Error ? error.message : String(error);
  }
  return health;
}
