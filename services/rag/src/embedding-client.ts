/**
 * Calls the embedding service's reference contract: POST /embed {texts} ->
 * {embeddings, model, dim, normalize}, and GET /health.
 */
import { httpJson } from "../../common/src/http-client.ts";
import type { Counter } from "../../common/src/metrics.ts";
import { UpstreamError } from "../../common/src/upstream-error.ts";
import type { EmbeddingIdentity } from "./collection-identity.ts";

export interface Embedded extends EmbeddingIdentity {
  vectors: number[][];
}

export interface EmbeddingHealth {
  ok: boolean;
  model?: string;
  dim?: number | null;
  loading?: boolean;
  error?: string | null;
}

/** Texts per /embed call, as the reference's indexer sent them. */
export const EMBED_BATCH = 64;
const UPSTREAM = "embedding";

export class EmbeddingClient {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly errors: Counter;
  private readonly headers: Record<string, string>;

  /** `token`: the stack token the embedding service requires (the same SERVICE_TOKEN_FILE as RAG's own). */
  constructor(options: { url: string; timeoutMs: number; errors: Counter; token?: string }) {
    this.url = options.url;
    this.timeoutMs = options.timeoutMs;
    this.errors = options.errors;
    this.headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
  }

  /** Embeds `texts` (at least one) in batches of EMBED_BATCH; every batch must come from the same model and dimension. */
  async embed(texts: string[]): Promise<Embedded> {
    if (!texts.length) throw new RangeError("embed needs at least one text");
    const vectors: number[][] = [];
    let identity: EmbeddingIdentity | undefined;
    for (let i = 0; i < texts.length; i += EMBED_BATCH) {
      const answer = await this.call(texts.slice(i, i + EMBED_BATCH));
      if (identity && (identity.model !== answer.model || identity.dim !== answer.dim)) {
        throw new UpstreamError(
          UPSTREAM,
          "http",
          `embedding service changed model mid-request (${identity.model}/${identity.dim} -> ${answer.model}/${answer.dim})`,
          502,
        );
      }
      identity = { model: answer.model, dim: answer.dim };
      vectors.push(...answer.vectors);
    }
    return { ...identity!, vectors };
  }

  async health(timeoutMs: number): Promise<EmbeddingHealth> {
    return this.counted(
      httpJson<EmbeddingHealth>({ upstream: UPSTREAM, method: "GET", url: `${this.url}/health`, headers: this.headers, timeoutMs }),
    );
  }

  private async call(texts: string[]): Promise<Embedded> {
    const body = await this.counted(
      httpJson<{ embeddings?: unknown; model?: unknown; dim?: unknown }>({
        upstream: UPSTREAM,
        method: "POST",
        url: `${this.url}/embed`,
        headers: this.headers,
        body: { texts },
        timeoutMs: this.timeoutMs,
      }),
    );
    const embeddings = body.embeddings;
    if (!Array.isArray(embeddings) || embeddings.length !== texts.length || !embeddings.every((v) => Array.isArray(v))) {
      throw new UpstreamError(
        UPSTREAM,
        "http",
        `embedding service returned ${Array.isArray(embeddings) ? embeddings.length : "no"} embeddings for ${texts.length} texts`,
        502,
      );
    }
    const vectors = embeddings as number[][];
    const dim = typeof body.dim === "number" && body.dim > 0 ? body.dim : (vectors[0]?.length ?? 0);
    if (vectors.some((v) => v.length !== dim))
      throw new UpstreamError(UPSTREAM, "http", `embedding service returned vectors whose length is not its dim ${dim}`, 502);
    return { vectors, model: typeof body.model === "string" ? body.model : "unknown", dim };
  }

  private counted<T>(call: Promise<T>): Promise<T> {
    return call.catch((error: unknown) => {
      if (error instanceof UpstreamError) this.errors.inc({ upstream: UPSTREAM, reason: error.reason });
      throw error;
    });
  }
}
