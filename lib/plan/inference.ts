/** The two llama.cpp servers: argv from config, and their service specs. */
import { serverMode, type InferenceRole, type LlamaServerConfig } from "../config/schema";
import { defineService, type PlanContext } from "./define-service";
import { curlProbe } from "./health";
import type { HealthcheckSpec } from "./service-spec";
import type { ServiceSpec } from "./service-spec";

export const INFERENCE_PORT = 8001;
export const CONTAINER_MODELS_DIR = "/models";

export const INFERENCE_SERVICE: Record<InferenceRole, string> = { chat: "inference-chat", code: "inference-code" };

/**
 * Every llama-server flag that changes memory or behaviour is pinned
 * explicitly: defaults moved between builds (-np auto, -fa auto, -c from the model).
 */
export function llamaServerArgs(server: LlamaServerConfig, nGpuLayers: number): string[] {
  return [
    "--host",
    "0.0.0.0",
    "--port",
    String(INFERENCE_PORT),
    "--model",
    `${CONTAINER_MODELS_DIR}/${server.model}`,
    "--alias",
    server.alias,
    "--n-gpu-layers",
    String(nGpuLayers),
    "--ctx-size",
    String(server.ctxSize),
    "--batch-size",
    String(server.batchSize),
    "--ubatch-size",
    String(server.ubatchSize),
    "--parallel",
    String(server.parallel),
    "--flash-attn",
    server.flashAttn,
    "--cache-type-k",
    server.cacheTypeK,
    "--cache-type-v",
    server.cacheTypeV,
    "--threads",
    String(server.threads),
    "--temp",
    String(server.sampling.temperature),
    "--top-p",
    String(server.sampling.topP),
    "--repeat-penalty",
    String(server.sampling.repeatPenalty),
    // Placement is decided by this stack's VRAM plan, not by free memory at start-up.
    "--fit",
    "off",
    "--metrics",
  ];
}

export function planInferenceServer(ctx: PlanContext, role: InferenceRole, nGpuLayers: number): ServiceSpec {
  const { config } = ctx;
  const server = config.inference[role];
  const onGpu = serverMode(config, role) === "gpu";
  return defineService(ctx, {
    service: INFERENCE_SERVICE[role],
    group: "inference",
    image: { kind: "registry", ref: onGpu ? config.inference.image : config.inference.cpuImage },
    command: llamaServerArgs(server, onGpu ? nGpuLayers : 0),
    env: onGpu ? { NVIDIA_DRIVER_CAPABILITIES: "compute,utility" } : {},
    ports: [{ internal: INFERENCE_PORT, external: server.hostPort, configKey: `inference.${role}.hostPort` }],
    binds: [{ hostPath: config.paths.modelsDir, containerPath: CONTAINER_MODELS_DIR, readOnly: true }],
    healthcheck: llamaServerProbe(INFERENCE_PORT, server.loadTimeoutSec),
    metrics: { port: INFERENCE_PORT, path: "/metrics" },
    gpuDeviceIds: onGpu ? [server.gpu] : undefined,
    limits: { memoryMiB: server.memoryMiB, cpus: server.cpus },
    // Lets a generation in flight end and the server free its slots before SIGKILL.
    stopGraceSec: 15,
  });
}

/**
 * llama-server's probe asks /metrics, not /health. Both answer 503 while the
 * model loads (the start period covers the worst-case load). But /health is
 * answered by the HTTP thread alone, so a server whose inference loop is stuck
 * (a hung CUDA call, a wedged slot) stays "healthy" there; /metrics is a task
 * the inference loop itself answers between decode steps, so it also fails
 * then, and the container turns unhealthy (and is restarted, see the healer).
 * It needs no slot, so a long generation does not fail it.
 */
export function llamaServerProbe(port: number, loadTimeoutSec: number): HealthcheckSpec {
  return curlProbe(`http://127.0.0.1:${port}/metrics`, { intervalSec: 20, retries: 5, startPeriodSec: loadTimeoutSec });
}
