/** The RAG service's routes and clients, wired from its configuration. */
import type * as http from "node:http";
import { createHttpApp, listen, type RequestContext, type Reply, type RunningServer } from "../../common/src/http-app.ts";
import { HttpError, invalidField } from "../../common/src/http-error.ts";
import { Timings } from "../../common/src/timings.ts";
import { statusForUpstreamFailure, UpstreamError } from "../../common/src/upstream-error.ts";
import { isCollectionName, type RagConfig } from "./config.ts";
import { EmbeddingClient } from "./embedding-client.ts";
import { readSecretFile } from "../../common/src/secret-file.ts";
import { GatewayClient } from "./gateway-client.ts";
import { checkHealth } from "./health.ts";
import { indexDocuments } from "./indexer.ts";
import { answerQuery, parseQueryBody } from "./query.ts";
import { QdrantClient } from "./qdrant-client.ts";
import { ragMetrics, type RagMetrics } from "./rag-metrics.ts";

export interface RagService {
  server: http.Server;
  metrics: RagMetrics;
  listen(port?: number, host?: string): Promise<RunningServer>;
}

/** Test seams: the retry loop's clock and dice. */
export interface RagOverrides {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** /index and /query bodies are small JSON objects. */
const MAX_BODY_BYTES = 1024 * 1024;

export function createRagService(config: RagConfig, overrides: RagOverrides = {}): RagService {
  const metrics = ragMetrics();
  const qdrant = new QdrantClient({ ...config.qdrant, retries: metrics.qdrantRetries, errors: metrics.upstreamErrors, ...overrides });
  const embeddingToken = config.embedding.tokenFile ? readSecretFile(config.embedding.tokenFile, "EMBEDDING_TOKEN_FILE") : undefined;
  const embedding = new EmbeddingClient({ ...config.embedding, errors: metrics.upstreamErrors, token: embeddingToken });
  const gateway = new GatewayClient({ ...config.gateway, errors: metrics.upstreamErrors });
  const deps = { config, qdrant, embedding, gateway, metrics };
  const indexing = new KeyedQueue();

  const server = createHttpApp({
    service: "rag",
    metrics: metrics.http,
    maxBodyBytes: MAX_BODY_BYTES,
    routes: [
      {
        method: "GET",
        path: "/health",
        handler: async (ctx) => {
          const result = await checkHealth(deps, booleanParam(ctx, "llm"));
          return { status: result.status, body: result.body, headers: result.headers };
        },
      },
      {
        method: "POST",
        path: "/index",
        handler: (ctx) =>
          withTimings(async (timings) => {
            const { collection, path } = await indexParams(ctx, config);
            const report = await indexing.run(collection, () => indexDocuments(deps, collection, path, timings));
            return { status: 200, body: report };
          }),
      },
      {
        method: "POST",
        path: "/query",
        handler: (ctx) =>
          withTimings(async (timings) => {
            const input = parseQueryBody(await ctx.json(), config);
            return { status: 200, body: await answerQuery(deps, input, timings) };
          }),
      },
      {
        method: "POST",
        path: "/prewarm",
        handler: () =>
          withTimings(async () => {
            const probe = await embedding.embed(["dimension probe"]);
            // Loads the chat model's weights into the page cache; a failure here is not the caller's problem.
            await gateway.chat([{ role: "user", content: "ok" }], config.gateway.requestTimeoutMs, 1).catch(() => undefined);
            return { status: 200, body: { ok: true, embed_dim: probe.dim } };
          }),
      },
      {
        method: "GET",
        path: "/metrics",
        handler: () => ({ status: 200, text: metrics.registry.render(), contentType: "text/plain; version=0.0.4; charset=utf-8" }),
      },
    ],
  });

  return {
    server,
    metrics,
    listen: (port = config.port, host = config.host) => listen(server, port, host),
  };
}

/** Runs a handler with per-upstream timings (sent as Server-Timing) and maps dependency failures to 502/503/504. */
async function withTimings(work: (timings: Timings) => Promise<Reply>): Promise<Reply> {
  const timings = new Timings();
  try {
    const reply = await work(timings);
    return { ...reply, headers: { ...reply.headers, "server-timing": timings.header() } };
  } catch (error) {
    if (error instanceof UpstreamError)
      throw new HttpError(statusForUpstreamFailure(error), error.message, { headers: { "server-timing": timings.header() } });
    throw error;
  }
}

/**
 * The reference took `collection` and `path` as query parameters; scripts/ai.py
 * sends `collection` in a JSON body instead, so the body is the fallback.
 */
async function indexParams(ctx: RequestContext, config: RagConfig): Promise<{ collection: string; path: string | undefined }> {
  let bodyCollection: unknown;
  const text = await ctx.text();
  if (text.trim()) {
    const body = await ctx.json();
    if (body !== null && typeof body === "object" && !Array.isArray(body)) bodyCollection = (body as Record<string, unknown>).collection;
  }
  const collection =
    ctx.url.searchParams.get("collection") || (typeof bodyCollection === "string" && bodyCollection) || config.defaultCollection;
  if (!isCollectionName(collection))
    throw new HttpError(400, `collection must be 1-255 letters, digits, "_", "-" or "." (got ${JSON.stringify(collection)})`);
  return { collection, path: ctx.url.searchParams.get("path") ?? undefined };
}

/** FastAPI's bool query parsing: true/1/yes/on and false/0/no/off; absent = false; anything else is a 422. */
function booleanParam(ctx: RequestContext, name: string): boolean {
  const value = ctx.url.searchParams.get(name);
  if (value === null) return false;
  const word = value.toLowerCase();
  if (["true", "1", "yes", "on"].includes(word)) return true;
  if (["false", "0", "no", "off"].includes(word)) return false;
  throw invalidField(["query", name], "bool_parsing", "Input should be a valid boolean, unable to interpret input");
}

/** Runs jobs with the same key one after another (two /index runs on one collection must not interleave). */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(job);
    this.tails.set(key, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.tails.get(key) === next) this.tails.delete(key);
      });
    return next;
  }
}
