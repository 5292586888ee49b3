/**
 * Embeddings: llama.cpp serves the embedding GGUF (`llama-server --embeddings`,
 * the same image and build as the inference pair), and this repository's thin
 * service in front of it keeps the reference's contract for its callers
 * (POST /embed, GET /health whose `ok` means the model is loaded).
 */
import { defineService, imageFromSource, NODE_IMAGE_USER, serviceUrl, type PlanContext } from "./define-service";
import { nodeProbe } from "./health";
import { CONTAINER_MODELS_DIR, LLAMA_API_KEY_FILE, LLAMA_API_KEY_FILE_SPEC, llamaServerProbe } from "./inference";
import type { ServiceSpec } from "./service-spec";
import { SERVICE_TOKEN_FILE, SERVICE_TOKEN_FILE_SPEC, tokenRequired } from "./service-token";

export const EMBEDDING_SERVICE = "embedding";
export const EMBEDDING_PORT = 8003;
export const EMBEDDING_SERVER_SERVICE = "embedding-server";
export const EMBEDDING_SERVER_PORT = 8006;

/**
 * Flags for a BERT-style embedding model (services/embedding/README.md): one
 * vector per input by CLS pooling, and a physical batch as large as the
 * context, since llama-server refuses (never truncates) an input longer than it.
 */
export function embeddingServerArgs(ctx: PlanContext): string[] {
  const { embedding } = ctx.config;
  const server = embedding.server;
  return [
    "--host",
    "0.0.0.0",
    "--port",
    String(EMBEDDING_SERVER_PORT),
    "--model",
    `${CONTAINER_MODELS_DIR}/${server.model}`,
    "--alias",
    embedding.model.replace(/[^A-Za-z0-9._-]/g, "-"),
    "--embeddings",
    "--pooling",
    "cls",
    "--ctx-size",
    String(server.ctxSize),
    "--parallel",
    String(server.parallel),
    "--batch-size",
    String(server.ctxSize),
    "--ubatch-size",
    String(server.ctxSize),
    "--threads",
    String(server.threads),
    "--n-gpu-layers",
    server.mode === "gpu" ? "999" : "0",
    "--fit",
    "off",
    "--metrics",
    "--api-key-file",
    LLAMA_API_KEY_FILE,
  ];
}

export function planEmbeddingServer(ctx: PlanContext): ServiceSpec {
  const { config } = ctx;
  const server = config.embedding.server;
  const onGpu = server.mode === "gpu";
  return defineService(ctx, {
    service: EMBEDDING_SERVER_SERVICE,
    group: "rag",
    image: { kind: "registry", ref: onGpu ? config.inference.image : config.inference.cpuImage },
    command: embeddingServerArgs(ctx),
    env: onGpu ? { NVIDIA_DRIVER_CAPABILITIES: "compute,utility" } : {},
    ports: [{ internal: EMBEDDING_SERVER_PORT, external: server.hostPort, configKey: "embedding.server.hostPort" }],
    binds: [{ hostPath: config.paths.modelsDir, containerPath: CONTAINER_MODELS_DIR, readOnly: true }],
    files: [LLAMA_API_KEY_FILE_SPEC],
    healthcheck: llamaServerProbe(EMBEDDING_SERVER_PORT, server.loadTimeoutSec),
    metrics: { port: EMBEDDING_SERVER_PORT, path: "/metrics", bearerSecret: "inferenceApiKey" },
    gpuDeviceIds: onGpu ? [server.gpu] : undefined,
    vramMiB: onGpu ? server.vramMiB : undefined,
    limits: { memoryMiB: server.memoryMiB, cpus: server.cpus },
  });
}

export function planEmbedding(ctx: PlanContext): ServiceSpec {
  const { config } = ctx;
  const { embedding, timeouts } = config;
  return defineService(ctx, {
    service: EMBEDDING_SERVICE,
    group: "rag",
    imageUser: NODE_IMAGE_USER,
    image: imageFromSource(ctx, EMBEDDING_SERVICE, embedding.source, "embedding.source"),
    env: {
      EMBEDDING_LLAMA_URL: serviceUrl(EMBEDDING_SERVER_SERVICE, EMBEDDING_SERVER_PORT),
      EMBEDDING_LLAMA_API_KEY_FILE: LLAMA_API_KEY_FILE,
      ...(tokenRequired(config, "embedding") ? { SERVICE_TOKEN_FILE } : {}),
      EMBEDDING_MODEL: embedding.model,
      EMBEDDING_TIMEOUT: String(timeouts.embedding),
      // bge reads 512 positions; [CLS] and [SEP] take two of each slot's share of the context.
      EMBEDDING_MAX_TOKENS: String(Math.min(510, Math.floor(embedding.server.ctxSize / embedding.server.parallel) - 2)),
    },
    ports: [{ internal: EMBEDDING_PORT, external: embedding.hostPort, configKey: "embedding.hostPort" }],
    files: [LLAMA_API_KEY_FILE_SPEC, ...(tokenRequired(config, "embedding") ? [SERVICE_TOKEN_FILE_SPEC] : [])],
    sendsKeys: ["inferenceApiKey"],
    // `ok` (and so the probe) is true only once llama-server answers and a probe embedding works.
    healthcheck: nodeProbe("/app/embedding/src/healthcheck.ts", { startPeriodSec: 60 }),
    metrics: { port: EMBEDDING_PORT, path: "/metrics", bearerSecret: tokenRequired(config, "embedding") ? "serviceToken" : undefined },
    dependsOn: [EMBEDDING_SERVER_SERVICE],
    limits: { memoryMiB: embedding.memoryMiB, cpus: embedding.cpus },
  });
}
