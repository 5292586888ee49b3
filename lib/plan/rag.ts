/** The embedding service and the RAG service built on it. */
import { defineService, imageFromSource, serviceUrl, type PlanContext } from "./define-service";
import { GATEWAY_PORT, GATEWAY_SERVICE } from "./gateway";
import { pythonJsonProbe, pythonProbe } from "./health";
import { QDRANT_HTTP_PORT, QDRANT_SERVICE } from "./qdrant";
import type { ServiceSpec } from "./service-spec";

export const EMBEDDING_SERVICE = "embedding";
export const EMBEDDING_PORT = 8003;
export const RAG_SERVICE = "rag";
export const RAG_PORT = 8002;

/**
 * The reference's `${DATA_DIR}/sqlite` host directory: RAG's analytics database
 * and the MCP server's security.db both live there, so existing databases are kept.
 */
export function sqliteDataPath(dataDir: string): string {
  return `${dataDir}/sqlite`;
}

export function planEmbedding(ctx: PlanContext): ServiceSpec {
  const { config } = ctx;
  return defineService(ctx, {
    service: EMBEDDING_SERVICE,
    group: "rag",
    image: imageFromSource(ctx, EMBEDDING_SERVICE, config.embedding.source),
    env: {
      EMBEDDING_MODEL: config.embedding.model,
      // The model cache survives container replacement (the reference re-downloaded it every time).
      FASTEMBED_CACHE: "/cache/fastembed",
    },
    ports: [{ internal: EMBEDDING_PORT, external: config.embedding.hostPort, configKey: "embedding.hostPort" }],
    binds: [{ hostPath: `${config.paths.dataDir}/cache/fastembed`, containerPath: "/cache/fastembed", readOnly: false }],
    // /health answers 200 even while the model loads; `ok` is true only once it is loaded.
    healthcheck: pythonJsonProbe(`http://127.0.0.1:${EMBEDDING_PORT}/health`, "ok", { startPeriodSec: 300 }),
    metrics: { port: EMBEDDING_PORT, path: "/metrics" },
    limits: { memoryMiB: config.embedding.memoryMiB, cpus: config.embedding.cpus },
  });
}

export function planRag(ctx: PlanContext, hasQdrantApiKey: boolean): ServiceSpec {
  const { config } = ctx;
  const { timeouts, retries, rag, gateway } = config;
  return defineService(ctx, {
    service: RAG_SERVICE,
    group: "rag",
    image: imageFromSource(ctx, RAG_SERVICE, rag.source),
    env: {
      QDRANT_URL: serviceUrl(QDRANT_SERVICE, QDRANT_HTTP_PORT),
      EMBEDDING_URL: serviceUrl(EMBEDDING_SERVICE, EMBEDDING_PORT),
      API_GATEWAY_URL: serviceUrl(GATEWAY_SERVICE, GATEWAY_PORT),
      RAG_LLM_API_BASE: serviceUrl(GATEWAY_SERVICE, GATEWAY_PORT, "/v1"),
      API_GATEWAY_CHAT_MODEL: gateway.chatModel,
      API_GATEWAY_CODE_MODEL: gateway.codeModel,
      LLM_REQUEST_TIMEOUT: String(timeouts.llmRequest),
      LLM_CONNECT_TIMEOUT: String(timeouts.llmConnect),
      RAG_LLM_TIMEOUT: String(timeouts.ragLlm),
      QDRANT_TIMEOUT: String(timeouts.qdrant),
      EMBEDDING_TIMEOUT: String(timeouts.embedding),
      QDRANT_MAX_RETRIES: String(retries.qdrantMax),
      QDRANT_RETRY_MIN_WAIT: String(retries.qdrantMinWait),
      QDRANT_RETRY_MAX_WAIT: String(retries.qdrantMaxWait),
      RAG_TOPK: String(rag.topK),
      RAG_CHUNK_SIZE: String(rag.chunkSize),
      RAG_CHUNK_OVERLAP: String(rag.chunkOverlap),
      RAG_LLM_MAX_TOKENS: String(rag.maxTokens),
      RAG_LLM_TEMPERATURE: String(rag.temperature),
      // The analytics/cache database lived on no mount in the reference (lost on every recreate).
      RAG_DB_PATH: "/app/data/rag_analytics.db",
    },
    secretEnv: {
      RAG_LLM_API_KEY: "gatewayMasterKey",
      OPENAI_API_KEY: "gatewayMasterKey",
      ...(hasQdrantApiKey ? { QDRANT_API_KEY: "qdrantApiKey" as const } : {}),
    },
    ports: [{ internal: RAG_PORT, external: rag.hostPort, configKey: "rag.hostPort" }],
    binds: [
      { hostPath: `${config.paths.dataDir}/documents`, containerPath: "/app/documents", readOnly: true },
      { hostPath: sqliteDataPath(config.paths.dataDir), containerPath: "/app/data", readOnly: false },
    ],
    // RAG's own /health calls Qdrant, embedding and the gateway's /health (which needs the
    // master key), so it cascades and flaps. The container probe asks only "is RAG serving";
    // its dependencies are gated separately, and `npm run health` reports the deep check.
    healthcheck: pythonProbe(`http://127.0.0.1:${RAG_PORT}/openapi.json`, { startPeriodSec: 120 }),
    dependsOn: [QDRANT_SERVICE, EMBEDDING_SERVICE, GATEWAY_SERVICE],
    metrics: { port: RAG_PORT, path: "/metrics" },
    limits: { memoryMiB: rag.memoryMiB, cpus: rag.cpus },
  });
}
