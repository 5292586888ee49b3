/**
 * llama-server's routes this service uses (tools/server/README.md):
 * GET /health (503 {"error":{"message":"Loading model"}} while loading, 200
 * when ready), POST /v1/embeddings, POST /tokenize and POST /detokenize.
 */
import { httpCall, httpJson, errorText } from "../../common/src/http-client.ts";
import { UpstreamError } from "../../common/src/upstream-error.ts";

export type LlamaState = "ready" | "loading";

const UPSTREAM = "llama-server";

export class LlamaClient {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly headers: Record<string, string>;

  /** `apiKey`: what llama-server's `--api-key-file` holds; sent as a bearer token on every call. */
  constructor(options: { url: string; timeoutMs: number; connectTimeoutMs: number; apiKey?: string }) {
    this.url = options.url;
    this.timeoutMs = options.timeoutMs;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  }

  /** "ready" on 200, "loading" on 503; anything else (or no answer) throws. */
  async state(timeoutMs: number): Promise<LlamaState> {
    const answer = await httpCall({
      upstream: UPSTREAM,
      method: "GET",
      url: `${this.url}/health`,
      headers: this.headers,
      timeoutMs,
      connectTimeoutMs: Math.min(this.connectTimeoutMs, timeoutMs),
    });
    if (answer.status === 200) return "ready";
    if (answer.status === 503) return "loading";
    throw new UpstreamError(UPSTREAM, "http", `llama-server /health answered ${answer.status}: ${errorText(answer.text)}`, answer.status);
  }

  /**
   * Raw (unnormalised) pooled embeddings, in input order. embd_normalize -1
   * asks for raw vectors; a build that ignores it returns L2-normalised ones,
   * which normalising again leaves unchanged.
   */
  async embed(texts: string[], timeoutMs = this.timeoutMs): Promise<number[][]> {
    const body = await this.post<{ data?: { index?: number; embedding?: unknown }[] }>(
      "/v1/embeddings",
      { input: texts, encoding_format: "float", embd_normalize: -1 },
      timeoutMs,
    );
    const data = body.data;
    if (!Array.isArray(data) || data.length !== texts.length) {
      throw new UpstreamError(
        UPSTREAM,
        "http",
        `llama-server returned ${Array.isArray(data) ? data.length : "no"} embeddings for ${texts.length} inputs`,
        502,
      );
    }
    const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return ordered.map((d) => {
      const vector = d.embedding;
      if (!Array.isArray(vector) || !vector.every((x) => typeof x === "number")) {
        throw new UpstreamError(
          UPSTREAM,
          "http",
          "llama-server returned an embedding that is not a flat list of numbers (is it started with --pooling none?)",
          502,
        );
      }
      return vector as number[];
    });
  }

  /** Token ids of `text` without special tokens. */
  async tokenize(text: string): Promise<number[]> {
    const body = await this.post<{ tokens?: unknown }>("/tokenize", { content: text, add_special: false });
    if (!Array.isArray(body.tokens)) throw new UpstreamError(UPSTREAM, "http", "llama-server /tokenize answered without tokens", 502);
    return body.tokens as number[];
  }

  async detokenize(tokens: number[]): Promise<string> {
    const body = await this.post<{ content?: unknown }>("/detokenize", { tokens });
    if (typeof body.content !== "string")
      throw new UpstreamError(UPSTREAM, "http", "llama-server /detokenize answered without content", 502);
    return body.content;
  }

  private post<T>(path: string, body: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    return httpJson<T>({
      upstream: UPSTREAM,
      method: "POST",
      url: `${this.url}${path}`,
      headers: this.headers,
      body,
      timeoutMs,
      connectTimeoutMs: this.connectTimeoutMs,
    });
  }
}

/** llama-server's 503 "Loading model" (any route while the model loads). */
export function isLoading(error: unknown): boolean {
  return error instanceof UpstreamError && error.status === 503;
}
