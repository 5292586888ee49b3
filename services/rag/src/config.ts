/**
 * The RAG service's settings, from the environment variables the reference
 * used (and the Pulumi plan sets). Durations are given in seconds and kept in
 * milliseconds. Defaults are the reference code's.
 */
import { EnvReader, type Env } from "../../common/src/env.ts";
import type { RetryPolicy } from "../../common/src/retry.ts";

export interface RagConfig {
  host: string;
  port: number;
  /** Read-only mount with the documents to index (.md, .txt). */
  documentsDir: string;
  /** Collection used when a request names none (reference: RAG_DEFAULT_COLLECTION, "myproj"). */
  defaultCollection: string;
  /** Documents larger than this are refused rather than chunked. */
  maxDocumentBytes: number;
  qdrant: {
    url: string;
    /** Sent as the `api-key` header when set. */
    apiKey: string | undefined;
    /** Deadline of one Qdrant request (each attempt). */
    timeoutMs: number;
    /**
     * Deadline of the TCP connect (name lookup included) of each attempt, at
     * most timeoutMs: a Qdrant whose container went away mid-connect drops
     * the SYN, and without it the attempt would wait out the whole timeoutMs.
     */
    connectTimeoutMs: number;
    retry: RetryPolicy;
  };
  embedding: {
    url: string;
    timeoutMs: number;
    /** File holding the stack token the embedding service requires; unset: it requires none. */
    tokenFile: string | undefined;
  };
  gateway: {
    /** OpenAI-style base, e.g. http://api-gateway:8000/v1 */
    apiBase: string;
    /** The gateway's master key, sent as `Authorization: Bearer`. */
    apiKey: string | undefined;
    chatModel: string;
    /** Deadline of the answer's chat completion (RAG_LLM_TIMEOUT). */
    answerTimeoutMs: number;
    /** Deadline of other gateway calls: model list, prewarm (LLM_REQUEST_TIMEOUT). */
    requestTimeoutMs: number;
    connectTimeoutMs: number;
    maxTokens: number;
    temperature: number;
    /** Language the answer is asked in; unset = the question's language. */
    answerLanguage: string | undefined;
  };
  retrieval: {
    topK: number;
    /** Approximate tokens of retrieved text per answer prompt. */
    contextBudgetTokens: number;
    /** Words per chunk and words shared by neighbouring chunks (as the reference counted them). */
    chunkSize: number;
    chunkOverlap: number;
  };
}

export const DOCUMENTS_DIR = "/app/documents";

export function loadRagConfig(env: Env): RagConfig {
  const r = new EnvReader(env);
  const minWaitMs = r.seconds("QDRANT_RETRY_MIN_WAIT", 2);
  const maxWaitMs = r.seconds("QDRANT_RETRY_MAX_WAIT", 10);
  if (minWaitMs > maxWaitMs)
    r.problem(`QDRANT_RETRY_MIN_WAIT (${minWaitMs / 1000} s) must not exceed QDRANT_RETRY_MAX_WAIT (${maxWaitMs / 1000} s)`);
  const chunkSize = r.int("RAG_CHUNK_SIZE", 512, { min: 8, max: 100_000 });
  const chunkOverlap = r.int("RAG_CHUNK_OVERLAP", 100, { min: 0 });
  if (chunkOverlap >= chunkSize) r.problem(`RAG_CHUNK_OVERLAP (${chunkOverlap}) must be smaller than RAG_CHUNK_SIZE (${chunkSize})`);
  const connectTimeoutMs = r.seconds("LLM_CONNECT_TIMEOUT", 10);
  const requestTimeoutMs = r.seconds("LLM_REQUEST_TIMEOUT", 60);
  const defaultCollection = r.string("RAG_DEFAULT_COLLECTION", "myproj");
  if (!isCollectionName(defaultCollection))
    r.problem(`RAG_DEFAULT_COLLECTION must be 1-255 letters, digits, "_", "-" or "." (got ${JSON.stringify(defaultCollection)})`);

  const config: RagConfig = {
    host: r.string("RAG_HOST", "0.0.0.0"),
    port: r.int("RAG_PORT", 8002, { min: 0, max: 65535 }),
    documentsDir: r.string("DOCUMENTS_DIR", DOCUMENTS_DIR),
    defaultCollection,
    maxDocumentBytes: r.int("RAG_MAX_DOCUMENT_BYTES", 5 * 1024 * 1024, { min: 1 }),
    qdrant: {
      url: r.url("QDRANT_URL", "http://qdrant:6333"),
      apiKey: r.optionalSecret("QDRANT_API_KEY"),
      timeoutMs: r.seconds("QDRANT_TIMEOUT", 30),
      connectTimeoutMs: r.seconds("QDRANT_CONNECT_TIMEOUT", 3),
      retry: { maxAttempts: r.int("QDRANT_MAX_RETRIES", 3, { min: 1, max: 20 }), minWaitMs, maxWaitMs },
    },
    embedding: {
      url: r.url("EMBEDDING_URL", "http://embedding:8003"),
      timeoutMs: r.seconds("EMBEDDING_TIMEOUT", 30),
      tokenFile: r.optionalString("EMBEDDING_TOKEN_FILE"),
    },
    gateway: {
      apiBase: r.url("RAG_LLM_API_BASE", "http://api-gateway:8000/v1"),
      apiKey: r.optionalSecret("RAG_LLM_API_KEY"),
      chatModel: r.string("API_GATEWAY_CHAT_MODEL", "chat-7b"),
      answerTimeoutMs: r.seconds("RAG_LLM_TIMEOUT", 60),
      requestTimeoutMs,
      connectTimeoutMs: Math.min(connectTimeoutMs, requestTimeoutMs),
      maxTokens: r.int("RAG_LLM_MAX_TOKENS", 256, { min: 1, max: 1_000_000 }),
      temperature: r.number("RAG_LLM_TEMPERATURE", 0.3, { min: 0, max: 2 }),
      answerLanguage: r.optionalString("RAG_ANSWER_LANGUAGE"),
    },
    retrieval: {
      topK: r.int("RAG_TOPK", 4, { min: 1, max: 100 }),
      // Tokens of retrieved text per answer prompt; the plan derives it from the smallest server context (lib/plan/rag-context.ts).
      contextBudgetTokens: r.int("RAG_CONTEXT_BUDGET_TOKENS", 1200, { min: 16, max: 1_000_000 }),
      chunkSize,
      chunkOverlap,
    },
  };
  config.qdrant.connectTimeoutMs = Math.min(config.qdrant.connectTimeoutMs, config.qdrant.timeoutMs);
  r.done();
  return config;
}

/** Names we create and look up: a safe subset of what Qdrant accepts (no "/", no spaces). */
export function isCollectionName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,255}$/.test(name) && name !== "." && name !== "..";
}
