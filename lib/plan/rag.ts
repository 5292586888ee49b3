/**
 * The RAG service: this repository's (services/rag) by default, or the
 * reference's Python service. The two differ in what they send to the gateway
 * and Qdrant, and in what their health endpoint means.
 */
import type { ImageSource } from "../config/fields";
import { defineService, imageFromSource, NODE_IMAGE_USER, serviceUrl, type PlanContext } from "./define-service";
import { EMBEDDING_PORT, EMBEDDING_SERVICE } from "./embedding";
import { GATEWAY_PORT, GATEWAY_SERVICE } from "./gateway";
import { nodeProbe, pythonProbe } from "./health";
import { QDRANT_HTTP_PORT, QDRANT_SERVICE } from "./qdrant";
import { ragContextBudget } from "./rag-context";
import { SERVICE_TOKEN_FILE, SERVICE_TOKEN_FILE_SPEC, tokenRequired } from "./service-token";
import type { FileSpec, HealthcheckSpec, ServiceSpec, StackKey } from "./service-spec";

export { EMBEDDING_PORT, EMBEDDING_SERVICE } from "./embedding";
export const RAG_SERVICE = "rag";
export const RAG_PORT = 8002;

/** Default image sources per implementation. */
export const RAG_SOURCES: Record<"own" | "reference", ImageSource> = {
  own: { build: { context: "services", dockerfile: "rag/Dockerfile", tag: "0.2.0" } },
  reference: { build: { context: "../local-ai-suite/services/rag", dockerfile: "Dockerfile", tag: "0.1.0" } },
};

/**
 * The reference's `${DATA_DIR}/sqlite` host directory: the MCP server's
 * security.db (and the reference RAG's analytics database) live there.
 */
export function sqliteDataPath(dataDir: string): string {
  return `${dataDir}/sqlite`;
}

/** The gateway's master key and Qdrant's key as RAG reads them: secret files, never env. */
const RAG_GATEWAY_KEY_FILE: FileSpec = { path: "/run/secrets/gateway-master-key", content: "", secret: "gatewayMasterKey" };
const RAG_QDRANT_KEY_FILE: FileSpec = { path: "/run/secrets/qdrant-api-key", content: "", secret: "qdrantApiKey" };

export function planRag(ctx: PlanContext, keys: { gatewayRequiresKey: boolean; hasQdrantApiKey: boolean }): ServiceSpec {
  const { config } = ctx;
  const { timeouts, retries, rag, gateway } = config;
  const own = rag.implementation === "own";
  // Ours sends both keys; the reference sends neither (caller-keys.ts then decides whether the stack can run it).
  const sendsKeys: StackKey[] = own ? ["gatewayMasterKey", "qdrantApiKey", "serviceToken"] : [];
  const requires = tokenRequired(config, "rag");
  const sendsToken = own && tokenRequired(config, "embedding");
  return defineService(ctx, {
    service: RAG_SERVICE,
    group: "rag",
    // Ours runs as the Node image's user (the reference reads no secret file).
    ...(own ? { imageUser: NODE_IMAGE_USER } : {}),
    image: imageFromSource(ctx, RAG_SERVICE, rag.source ?? RAG_SOURCES[rag.implementation], "rag.source"),
    env: {
      QDRANT_URL: serviceUrl(QDRANT_SERVICE, QDRANT_HTTP_PORT),
      EMBEDDING_URL: serviceUrl(EMBEDDING_SERVICE, EMBEDDING_PORT),
      API_GATEWAY_URL: serviceUrl(GATEWAY_SERVICE, GATEWAY_PORT),
      RAG_LLM_API_BASE: serviceUrl(GATEWAY_SERVICE, GATEWAY_PORT, "/v1"),
      API_GATEWAY_CHAT_MODEL: gateway.chatModel,
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
      ...(requires ? { SERVICE_TOKEN_FILE } : {}),
      ...(own && keys.gatewayRequiresKey ? { RAG_LLM_API_KEY_FILE: RAG_GATEWAY_KEY_FILE.path } : {}),
      ...(own && keys.hasQdrantApiKey ? { QDRANT_API_KEY_FILE: RAG_QDRANT_KEY_FILE.path } : {}),
      ...(sendsToken ? { EMBEDDING_TOKEN_FILE: SERVICE_TOKEN_FILE } : {}),
      ...(own
        ? { RAG_CONTEXT_BUDGET_TOKENS: String(ragContextBudget(config).tokens) }
        : { API_GATEWAY_CODE_MODEL: gateway.codeModel, RAG_DB_PATH: "/app/data/rag_analytics.db" }),
    },
    // Ours reads its keys from files (RAG_LLM_API_KEY_FILE, QDRANT_API_KEY_FILE): no value in `docker inspect`.
    files: [
      ...(requires || sendsToken ? [SERVICE_TOKEN_FILE_SPEC] : []),
      ...(own && keys.gatewayRequiresKey ? [RAG_GATEWAY_KEY_FILE] : []),
      ...(own && keys.hasQdrantApiKey ? [RAG_QDRANT_KEY_FILE] : []),
    ],
    sendsKeys,
    ports: [{ internal: RAG_PORT, external: rag.hostPort, configKey: "rag.hostPort" }],
    binds: [
      { hostPath: `${config.paths.dataDir}/documents`, containerPath: "/app/documents", readOnly: true },
      // The reference keeps an analytics database here; ours keeps nothing on disk.
      ...(own ? [] : [{ hostPath: sqliteDataPath(config.paths.dataDir), containerPath: "/app/data", readOnly: false }]),
    ],
    healthcheck: own ? ownRagProbe() : referenceRagProbe(),
    dependsOn: [QDRANT_SERVICE, EMBEDDING_SERVICE, GATEWAY_SERVICE],
    metrics: { port: RAG_PORT, path: "/metrics", bearerSecret: requires ? "serviceToken" : undefined },
    limits: { memoryMiB: rag.memoryMiB, cpus: rag.cpus },
  });
}

/**
 * Ours: /health is 200 only when it can serve (Qdrant and the embedding model
 * reachable, the gateway accepting its key), each check capped at 4 s.
 */
function ownRagProbe(): HealthcheckSpec {
  return nodeProbe("/app/rag/src/healthcheck.ts", { timeoutSec: 10, startPeriodSec: 60 });
}

/**
 * The reference's /health cascades into the gateway's own /health (which
 * needs the key), so it flaps; its container probe asks only "is it serving".
 */
function referenceRagProbe(): HealthcheckSpec {
  return pythonProbe(`http://127.0.0.1:${RAG_PORT}/openapi.json`, { startPeriodSec: 120 });
}
