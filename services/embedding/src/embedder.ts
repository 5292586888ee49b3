/**
 * POST /embed: the reference's contract ({"texts": [...]} ->
 * {"embeddings", "model", "dim", "normalize"}) served by llama-server.
 */
import { HttpError, invalidField } from "../../common/src/http-error.ts";
import { loneSurrogateAt } from "../../common/src/unicode.ts";
import { UpstreamError } from "../../common/src/upstream-error.ts";
import type { EmbeddingConfig } from "./config.ts";
import type { EmbeddingMetrics } from "./embedding-metrics.ts";
import { isLoading, type LlamaClient } from "./llama-client.ts";
import { fitTokenWindow } from "./token-window.ts";
import { batches, cutChars, l2Normalize } from "./vectors.ts";

export interface EmbedResponse {
  embeddings: number[][];
  model: string;
  dim: number;
  normalize: boolean;
}

/** Validates a body the way the reference's pydantic model did (texts: List[str]), plus the text-count limit. */
export function parseEmbedBody(body: unknown, maxTexts: number): string[] {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidField(["body"], "model_attributes_type", "Input should be a valid dictionary or object to extract fields from");
  }
  const texts = (body as Record<string, unknown>).texts;
  if (texts === undefined) throw invalidField(["body", "texts"], "missing", "Field required");
  if (!Array.isArray(texts)) throw invalidField(["body", "texts"], "list_type", "Input should be a valid list");
  const notText = texts.findIndex((t) => typeof t !== "string");
  if (notText >= 0) throw invalidField(["body", "texts", notText], "string_type", "Input should be a valid string");
  const broken = texts.findIndex((t: string) => loneSurrogateAt(t) >= 0);
  if (broken >= 0)
    throw invalidField(
      ["body", "texts", broken],
      "string_unicode",
      `Input holds a lone surrogate at offset ${loneSurrogateAt(texts[broken])}: not Unicode text`,
    );
  // The reference silently dropped texts past the limit, misaligning a caller's vectors with its texts.
  if (texts.length > maxTexts)
    throw new HttpError(413, `at most ${maxTexts} texts per request (EMBEDDING_MAX_TEXTS), got ${texts.length}; split the request`);
  return texts as string[];
}

export class Embedder {
  private readonly config: EmbeddingConfig;
  private readonly llama: LlamaClient;
  private readonly metrics: EmbeddingMetrics;
  /** The model's dimension, once any embedding was made. */
  dim: number | null = null;

  constructor(config: EmbeddingConfig, llama: LlamaClient, metrics: EmbeddingMetrics) {
    this.config = config;
    this.llama = llama;
    this.metrics = metrics;
  }

  async embed(texts: string[]): Promise<EmbedResponse> {
    const { config } = this;
    if (!texts.length) return { embeddings: [], model: config.model, dim: this.dim ?? 0, normalize: config.normalize };
    const cut = texts.map((t) => cutChars(t, config.maxChars));
    const charCuts = cut.filter((t, i) => t !== texts[i]).length;
    if (charCuts) this.metrics.truncated.inc({ by: "chars" }, charCuts);

    const fitted = await this.upstream(() => fitTokenWindow(cut, config.maxTokens, this.llama));
    if (fitted.truncated) this.metrics.truncated.inc({ by: "tokens" }, fitted.truncated);

    const embeddings: number[][] = [];
    for (const batch of batches(fitted.texts, config.batchSize)) {
      const vectors = await this.upstream(() => this.llama.embed(batch));
      for (const v of vectors) embeddings.push(config.normalize ? l2Normalize(v) : v);
    }
    const dim = embeddings[0]!.length;
    this.dim = dim;
    this.metrics.texts.inc({}, texts.length);
    return { embeddings, model: config.model, dim, normalize: config.normalize };
  }

  /** Counts llama-server failures and turns "still loading" into a 503 the caller can wait out. */
  private async upstream<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof UpstreamError)
        this.metrics.upstreamErrors.inc({ upstream: "llama-server", reason: isLoading(error) ? "loading" : error.reason });
      if (isLoading(error))
        throw new HttpError(503, `llama-server at ${this.config.llamaUrl} is still loading the model`, { headers: { "retry-after": "5" } });
      throw error;
    }
  }
}
