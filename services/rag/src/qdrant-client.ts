/**
 * The Qdrant REST calls RAG makes (as in Qdrant v1.16's OpenAPI), each
 * retried with backoff on transport failures, 5xx, 408 and 429.
 */
import { httpCall, errorText } from "../../common/src/http-client.ts";
import { log } from "../../common/src/log.ts";
import type { Counter } from "../../common/src/metrics.ts";
import { withRetries, type RetryPolicy } from "../../common/src/retry.ts";
import { UpstreamError } from "../../common/src/upstream-error.ts";

export interface CollectionInfo {
  name: string;
  /** Size of the collection's single unnamed vector; undefined for named-vector collections. */
  vectorSize: number | undefined;
  distance: string | undefined;
  /** Collection metadata (Qdrant >= 1.16); undefined when none was stored. */
  metadata: Record<string, unknown> | undefined;
  pointsCount: number | undefined;
}

export interface Point {
  id: string | number;
  vector: number[];
  payload: Record<string, unknown>;
}

export interface ScoredPoint {
  id: string | number;
  score: number;
  payload: Record<string, unknown>;
}

export interface QdrantOptions {
  url: string;
  apiKey: string | undefined;
  timeoutMs: number;
  /** Deadline of each attempt's TCP connect (QDRANT_CONNECT_TIMEOUT); default timeoutMs. */
  connectTimeoutMs?: number;
  retry: RetryPolicy;
  /** rag_qdrant_retries_total{operation} */
  retries: Counter;
  /** rag_upstream_errors_total{upstream,reason}: calls that failed for good (after their retries). */
  errors: Counter;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

interface QdrantEnvelope<T> {
  result?: T;
  status?: unknown;
}

const UPSTREAM = "qdrant";

export class QdrantClient {
  private readonly options: QdrantOptions;

  constructor(options: QdrantOptions) {
    this.options = options;
  }

  /** The collection's shape and metadata, or undefined when it does not exist. */
  async getCollection(name: string): Promise<CollectionInfo | undefined> {
    const answer = await this.send("get_collection", "GET", `/collections/${encodeURIComponent(name)}`, undefined, [404]);
    if (answer.status === 404) return undefined;
    const result = answer.result as { points_count?: number; config?: { params?: { vectors?: unknown }; metadata?: unknown } } | undefined;
    const vectors = result?.config?.params?.vectors as { size?: unknown; distance?: unknown } | undefined;
    const metadata = result?.config?.metadata;
    return {
      name,
      vectorSize: typeof vectors?.size === "number" ? vectors.size : undefined,
      distance: typeof vectors?.distance === "string" ? vectors.distance : undefined,
      metadata: metadata && typeof metadata === "object" ? (metadata as Record<string, unknown>) : undefined,
      pointsCount: typeof result?.points_count === "number" ? result.points_count : undefined,
    };
  }

  /** Creates a cosine collection with the given vector size and metadata; "exists" if another caller made it first. */
  async createCollection(name: string, size: number, metadata: Record<string, unknown>): Promise<"created" | "exists"> {
    const answer = await this.send(
      "create_collection",
      "PUT",
      `/collections/${encodeURIComponent(name)}`,
      { vectors: { size, distance: "Cosine" }, metadata },
      [409],
    );
    return answer.status === 409 ? "exists" : "created";
  }

  /** Upserts and waits until the points are applied (wait=true), so a later search sees them. */
  async upsert(name: string, points: Point[]): Promise<void> {
    await this.send("upsert", "PUT", `/collections/${encodeURIComponent(name)}/points?wait=true`, { points });
  }

  /** Deletes a document's chunks numbered `fromChunk` and up: what is left over when a document shrank. */
  async deleteChunksFrom(name: string, docId: string, fromChunk: number): Promise<void> {
    const filter = {
      must: [
        { key: "doc_id", match: { value: docId } },
        { key: "chunk_id", range: { gte: fromChunk } },
      ],
    };
    await this.send("delete", "POST", `/collections/${encodeURIComponent(name)}/points/delete?wait=true`, { filter });
  }

  async query(name: string, vector: number[], limit: number): Promise<ScoredPoint[]> {
    const answer = await this.send("query", "POST", `/collections/${encodeURIComponent(name)}/points/query`, {
      query: vector,
      limit,
      with_payload: true,
    });
    const points = (answer.result as { points?: unknown[] } | undefined)?.points;
    if (!Array.isArray(points)) throw new UpstreamError(UPSTREAM, "http", "qdrant answered a query without result.points", 502);
    return points.map((p) => {
      const point = p as { id: string | number; score: number; payload?: Record<string, unknown> | null };
      return { id: point.id, score: point.score, payload: point.payload ?? {} };
    });
  }

  /** GET /collections: what the health check uses (it needs the API key, unlike /readyz). */
  async listCollections(timeoutMs?: number): Promise<string[]> {
    const answer = await this.send("list_collections", "GET", "/collections", undefined, [], { attempts: 1, timeoutMs });
    const collections = (answer.result as { collections?: { name: string }[] } | undefined)?.collections ?? [];
    return collections.map((c) => c.name);
  }

  /**
   * One REST call with retries. `accepted` lists non-2xx statuses the caller
   * handles itself (e.g. 404 for "no such collection"); other non-2xx statuses
   * become UpstreamError, retried when transient.
   */
  private async send(
    operation: string,
    method: "GET" | "PUT" | "POST",
    path: string,
    body: unknown,
    accepted: number[] = [],
    overrides: { attempts?: number; timeoutMs?: number } = {},
  ): Promise<{ status: number; result: unknown }> {
    const { retry, retries } = this.options;
    const policy = overrides.attempts ? { ...retry, maxAttempts: overrides.attempts } : retry;
    const headers: Record<string, string> = {};
    if (this.options.apiKey) headers["api-key"] = this.options.apiKey;
    const attempt = withRetries(
      async () => {
        const answer = await httpCall({
          upstream: UPSTREAM,
          method,
          url: `${this.options.url}${path}`,
          headers,
          body,
          timeoutMs: overrides.timeoutMs ?? this.options.timeoutMs,
          connectTimeoutMs: this.options.connectTimeoutMs,
        });
        if (accepted.includes(answer.status)) return { status: answer.status, result: undefined };
        if (answer.status < 200 || answer.status >= 300) {
          const hint = answer.status === 401 || answer.status === 403 ? " (check QDRANT_API_KEY)" : "";
          throw new UpstreamError(
            UPSTREAM,
            "http",
            `qdrant ${operation} answered ${answer.status}${hint}: ${errorText(answer.text)}`,
            answer.status,
          );
        }
        let parsed: QdrantEnvelope<unknown>;
        try {
          parsed = JSON.parse(answer.text) as QdrantEnvelope<unknown>;
        } catch {
          throw new UpstreamError(UPSTREAM, "http", `qdrant ${operation} answered ${answer.status} with a body that is not JSON`, 502);
        }
        return { status: answer.status, result: parsed.result };
      },
      policy,
      {
        isRetryable: (error) => error instanceof UpstreamError && error.transient,
        onRetry: (error, retry, waitMs) => {
          retries.inc({ operation });
          const failure = error instanceof UpstreamError ? error.reason : "unknown";
          log("warn", "qdrant call failed, retrying", {
            operation,
            retry,
            wait_ms: Math.round(waitMs),
            failure,
            error: (error as Error).message,
          });
        },
        sleep: this.options.sleep,
        random: this.options.random,
      },
    );
    return attempt.catch((error: unknown) => {
      if (error instanceof UpstreamError) this.options.errors.inc({ upstream: UPSTREAM, reason: error.reason });
      throw error;
    });
  }
}
