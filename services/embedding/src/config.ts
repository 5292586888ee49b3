/**
 * The embedding service's settings. Names and defaults follow the reference
 * service (EMBEDDING_MODEL, EMBEDDING_BATCH_SIZE, EMBEDDING_NORMALIZE,
 * EMBEDDING_MAX_TEXTS, EMBEDDING_MAX_CHARS); the model itself is served by
 * llama-server at EMBEDDING_LLAMA_URL.
 */
import { EnvReader, type Env } from "../../common/src/env.ts";

export interface EmbeddingConfig {
  host: string;
  port: number;
  /** llama-server started with --embeddings, e.g. http://embedding-server:8006 */
  llamaUrl: string;
  /** File holding the API key llama-server requires (`--api-key-file`); unset: it requires none. */
  llamaApiKeyFile?: string;
  /** The name this service reports; llama-server decides the model itself (-m). */
  model: string;
  /** Deadline of one llama-server request. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Texts per llama-server request. */
  batchSize: number;
  /** L2-normalise vectors (the reference's default, and what cosine search expects). */
  normalize: boolean;
  /** Texts per /embed request. */
  maxTexts: number;
  /** Characters kept of each text (the reference cut longer texts). */
  maxChars: number;
  /** Tokens kept of each text: the model's window minus its [CLS]/[SEP] (bge-small: 512 - 2). */
  maxTokens: number;
}

export function loadEmbeddingConfig(env: Env): EmbeddingConfig {
  const r = new EnvReader(env);
  const timeoutMs = r.seconds("EMBEDDING_TIMEOUT", 30);
  const config: EmbeddingConfig = {
    host: r.string("EMBEDDING_HOST", "0.0.0.0"),
    port: r.int("EMBEDDING_PORT", 8003, { min: 0, max: 65535 }),
    llamaUrl: r.url("EMBEDDING_LLAMA_URL", "http://embedding-server:8006"),
    llamaApiKeyFile: r.optionalString("EMBEDDING_LLAMA_API_KEY_FILE"),
    model: r.string("EMBEDDING_MODEL", "BAAI/bge-small-en-v1.5"),
    timeoutMs,
    connectTimeoutMs: Math.min(r.seconds("EMBEDDING_CONNECT_TIMEOUT", 5), timeoutMs),
    batchSize: r.int("EMBEDDING_BATCH_SIZE", 64, { min: 1, max: 4096 }),
    normalize: r.bool("EMBEDDING_NORMALIZE", true),
    maxTexts: r.int("EMBEDDING_MAX_TEXTS", 1024, { min: 1 }),
    maxChars: r.int("EMBEDDING_MAX_CHARS", 8000, { min: 1 }),
    maxTokens: r.int("EMBEDDING_MAX_TOKENS", 510, { min: 1 }),
  };
  r.done();
  return config;
}
