/** The embedding service's routes, wired from its configuration. */
import type * as http from "node:http";
import { createHttpApp, listen, type Reply, type RunningServer } from "../../common/src/http-app.ts";
import { HttpError } from "../../common/src/http-error.ts";
import { statusForUpstreamFailure, UpstreamError } from "../../common/src/upstream-error.ts";
import type { EmbeddingConfig } from "./config.ts";
import { Embedder, parseEmbedBody } from "./embedder.ts";
import { embeddingMetrics, type EmbeddingMetrics } from "./embedding-metrics.ts";
import { checkHealth } from "./health.ts";
import { LlamaClient } from "./llama-client.ts";
import { readSecretFile } from "../../common/src/secret-file.ts";

export interface EmbeddingService {
  server: http.Server;
  metrics: EmbeddingMetrics;
  listen(port?: number, host?: string): Promise<RunningServer>;
}

/** 1024 texts of 8000 characters, JSON-escaped, with room to spare. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function createEmbeddingService(config: EmbeddingConfig): EmbeddingService {
  const metrics = embeddingMetrics();
  const llama = new LlamaClient({
    url: config.llamaUrl,
    timeoutMs: config.timeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    apiKey: config.llamaApiKeyFile ? readSecretFile(config.llamaApiKeyFile, "EMBEDDING_LLAMA_API_KEY_FILE") : undefined,
  });
  const embedder = new Embedder(config, llama, metrics);

  const server = createHttpApp({
    service: "embedding",
    metrics: metrics.http,
    maxBodyBytes: MAX_BODY_BYTES,
    routes: [
      { method: "GET", path: "/health", handler: async () => ({ status: 200, body: await checkHealth(config, llama, embedder) }) },
      {
        method: "POST",
        path: "/embed",
        handler: (ctx) =>
          upstreamAware(async () => ({ status: 200, body: await embedder.embed(parseEmbedBody(await ctx.json(), config.maxTexts)) })),
      },
      {
        method: "POST",
        path: "/prewarm",
        handler: () =>
          upstreamAware(async () => {
            const answer = await embedder.embed(["dimension probe"]);
            return { status: 200, body: { ok: true, model: config.model, dim: answer.dim } };
          }),
      },
      {
        method: "POST",
        path: "/reload",
        handler: async (ctx) => {
          const body = await ctx.json();
          const wanted = body && typeof body === "object" ? (body as Record<string, unknown>).model : undefined;
          if (!wanted || wanted === config.model) return { status: 200, body: { reloaded: false, model: config.model, dim: embedder.dim } };
          // The reference swapped FastEmbed models in-process; here llama-server owns the model.
          throw new HttpError(
            409,
            `this service embeds with the model llama-server was started with (${config.model}); to use ${String(wanted)}, start the embedding server with that GGUF, set EMBEDDING_MODEL, then re-index`,
          );
        },
      },
      {
        method: "GET",
        path: "/metrics",
        handler: () => ({ status: 200, text: metrics.registry.render(), contentType: "text/plain; version=0.0.4; charset=utf-8" }),
      },
    ],
  });

  return { server, metrics, listen: (port = config.port, host = config.host) => listen(server, port, host) };
}

async function upstreamAware(work: () => Promise<Reply>): Promise<Reply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UpstreamError) throw new HttpError(statusForUpstreamFailure(error), error.message);
    throw error;
  }
}
