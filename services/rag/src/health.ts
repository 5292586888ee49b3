/**
 * GET /health: "can this service answer a query right now". It checks, in
 * parallel, that Qdrant answers with our key, that the embedding service has
 * its model loaded, and that the gateway accepts RAG_LLM_API_KEY; with
 * ?llm=true also a real one-line completion. The body keeps the reference's
 * shape; the status is 200 only when everything needed is healthy, else 503
 * with Retry-After, so a container probe can use it.
 */
import { UpstreamError } from "../../common/src/upstream-error.ts";
import type { RagConfig } from "./config.ts";
import type { EmbeddingClient } from "./embedding-client.ts";
import type { GatewayClient } from "./gateway-client.ts";
import type { QdrantClient } from "./qdrant-client.ts";

export interface HealthDeps {
  config: RagConfig;
  qdrant: QdrantClient;
  embedding: EmbeddingClient;
  gateway: GatewayClient;
}

interface Dependency {
  status: "healthy" | "unhealthy" | "not_checked";
  error: string | null;
  [extra: string]: unknown;
}

/** No health sub-check may take longer than this, so a probe with a 5 s timeout gets an answer. */
export const HEALTH_CHECK_TIMEOUT_MS = 4000;
const LLM_CHECK_TIMEOUT_MS = 30_000;

export async function checkHealth(
  deps: HealthDeps,
  withLlm: boolean,
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  const { config } = deps;
  const cap = (ms: number) => Math.min(ms, HEALTH_CHECK_TIMEOUT_MS);

  const [qdrant, embedding, gateway, llm] = await Promise.all([
    check(async () => {
      await deps.qdrant.listCollections(cap(config.qdrant.timeoutMs));
      return {};
    }),
    check(
      async () => {
        const health = await deps.embedding.health(cap(config.embedding.timeoutMs));
        if (health.ok !== true) {
          const model = health.model ? ` ${health.model}` : "";
          throw new Error(
            health.loading ? `embedding model${model} is still loading` : `embedding service not ready: ${health.error ?? "ok is false"}`,
          );
        }
        return { dim: health.dim ?? null, model: health.model ?? null };
      },
      { dim: null },
    ),
    check(async () => {
      await deps.gateway.checkKey(cap(config.gateway.requestTimeoutMs));
      return {};
    }),
    withLlm
      ? check(async () => {
          const answer = await deps.gateway.chat(
            [
              { role: "system", content: "You are a health checker." },
              { role: "user", content: "Reply with 'ok'." },
            ],
            Math.min(config.gateway.answerTimeoutMs, LLM_CHECK_TIMEOUT_MS),
            8,
          );
          if (!answer.content.trim().toLowerCase().startsWith("ok"))
            throw new Error(`the chat model answered ${JSON.stringify(answer.content.slice(0, 80))} instead of "ok"`);
          return {};
        })
      : Promise.resolve<Dependency>({ status: "not_checked", error: null }),
  ]);

  const healthy =
    qdrant.status === "healthy" && embedding.status === "healthy" && gateway.status === "healthy" && llm.status !== "unhealthy";
  const body = {
    status: healthy ? "healthy" : "degraded",
    service: "rag",
    dependencies: { qdrant, embedding, api_gateway: gateway, llm },
    config: {
      RAG_TOPK: config.retrieval.topK,
      RAG_CHUNK_SIZE: config.retrieval.chunkSize,
      RAG_CHUNK_OVERLAP: config.retrieval.chunkOverlap,
      RAG_LLM_TIMEOUT: config.gateway.answerTimeoutMs / 1000,
      RAG_LLM_MAX_TOKENS: config.gateway.maxTokens,
    },
  };
  return healthy ? { status: 200, body, headers: {} } : { status: 503, body, headers: { "retry-after": "30" } };
}

async function check(run: () => Promise<Record<string, unknown>>, onFailure: Record<string, unknown> = {}): Promise<Dependency> {
  try {
    return { status: "healthy", ...(await run()), error: null };
  } catch (error) {
    const message = error instanceof UpstreamError || error instanceof Error ? error.message : String(error);
    return { status: "unhealthy", ...onFailure, error: message.slice(0, 300) };
  }
}
