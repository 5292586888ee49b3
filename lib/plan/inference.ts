/** The two llama.cpp servers: argv from config, and their service specs. */
import { serverMode, type InferenceRole, type LlamaServerConfig } from "../config/schema";
import { defineService, type PlanContext } from "./define-service";
import type { HealthcheckSpec } from "./service-spec";
import type { FileSpec, ServiceSpec } from "./service-spec";
import { isRouter, llamaRouterArgs, llamaRouterProbe, ROUTER_PRESET_PATH, routerPresetIni } from "./llama-router";

export const INFERENCE_PORT = 8001;
/** Where every llama-server of the stack reads the API key it requires (`--api-key-file`): a file, so `docker inspect` never shows it. */
export const LLAMA_API_KEY_FILE = "/run/secrets/llama-api-key";
/** The key file as the plan ships it (the stack secret inferenceApiKey, generated when unset). */
export const LLAMA_API_KEY_FILE_SPEC: FileSpec = { path: LLAMA_API_KEY_FILE, content: "", secret: "inferenceApiKey" };
/** curl's header carrying that key; /health and /models stay public in b9851 (server-http.cpp). */
export const LLAMA_API_KEY_CURL_HEADER = `-H "Authorization: Bearer $(cat ${LLAMA_API_KEY_FILE})"`;
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

/**
 * `nGpuLayers`: the plan's layers for a plain server; `routerLayers`: per model
 * alias, for a server in router mode (lib/plan/llama-router.ts).
 */
export function planInferenceServer(
  ctx: PlanContext,
  role: InferenceRole,
  nGpuLayers: number,
  routerLayers: Record<string, number> = {},
): ServiceSpec {
  const { config } = ctx;
  const server = config.inference[role];
  const onGpu = serverMode(config, role) === "gpu";
  const routed = isRouter(server)
    ? {
        command: llamaRouterArgs(server),
        files: [{ path: ROUTER_PRESET_PATH, content: routerPresetIni(server, onGpu ? routerLayers : {}) }],
        healthcheck: llamaRouterProbe(server),
      }
    : {
        command: llamaServerArgs(server, onGpu ? nGpuLayers : 0),
        files: [] as FileSpec[],
        healthcheck: llamaServerProbe(INFERENCE_PORT, server.loadTimeoutSec),
      };
  // Every caller (the gateway, the probe, Prometheus) sends the key; a router hands it on to its children.
  routed.command.push("--api-key-file", LLAMA_API_KEY_FILE);
  routed.files.push(LLAMA_API_KEY_FILE_SPEC);
  return defineService(ctx, {
    service: INFERENCE_SERVICE[role],
    group: "inference",
    image: { kind: "registry", ref: onGpu ? config.inference.image : config.inference.cpuImage },
    command: routed.command,
    files: routed.files,
    env: onGpu ? { NVIDIA_DRIVER_CAPABILITIES: "compute,utility" } : {},
    ports: [{ internal: INFERENCE_PORT, external: server.hostPort, configKey: `inference.${role}.hostPort` }],
    binds: [{ hostPath: config.paths.modelsDir, containerPath: CONTAINER_MODELS_DIR, readOnly: true }],
    healthcheck: routed.healthcheck,
    // A router answers /metrics only for one model, and would load it to answer: not scraped.
    metrics: isRouter(server) ? undefined : { port: INFERENCE_PORT, path: "/metrics", bearerSecret: "inferenceApiKey" },
    gpuDeviceIds: onGpu ? [server.gpu] : undefined,
    limits: { memoryMiB: server.memoryMiB, cpus: server.cpus },
    // Lets a generation in flight end and the server free its slots before SIGKILL.
    stopGraceSec: 15,
    // Unhealthy means its inference loop is wedged: no generation will end, and it holds no state to flush.
    healStopGraceSec: 2,
  });
}

/** Seconds the probe waits for /metrics before it asks whether the inference loop is running at all. */
export const METRICS_WAIT_SEC = 3;
/** CPU clock ticks (10 ms each) the inference thread must have run in that wait to count as busy, not wedged. */
export const BUSY_MIN_TICKS = 5;

/**
 * llama-server's probe: is the inference loop alive? /health cannot tell (the
 * HTTP threads answer it alone, so a loop stuck in a hung call or a deadlock
 * stays "ok"), so the probe asks /metrics, a task the loop itself answers
 * between decode steps. But a CPU server deep in one long prompt batch does not
 * answer it either, for as long as the batch takes. So when /metrics times out
 * the probe looks at the loop's own thread (the main thread, pid 1's task 1):
 * if it ran on a CPU during the wait, the loop is busy and the server healthy;
 * if it did not run at all, the loop is wedged. A 503 while the model loads and
 * a refused connection fail at once (the start period covers the load).
 * Docker 20.10 probes `intervalSec` after the last probe ended: with 2
 * retries a wedged server is unhealthy within 2 x (6 + 3) = 18 s, and the
 * healer restarts it at once, with a short grace (healStopGraceSec).
 * Known limit: a loop spinning on a CPU (a hung CUDA sync in spin mode) looks busy.
 */
export function llamaServerProbe(port: number, loadTimeoutSec: number): HealthcheckSpec {
  const ticks = "read -ra t < /proc/1/task/1/stat && echo $((t[13] + t[14]))";
  const script = [
    `before=$(${ticks})`,
    `curl -fsS --max-time ${METRICS_WAIT_SEC} -o /dev/null ${LLAMA_API_KEY_CURL_HEADER} http://127.0.0.1:${port}/metrics && exit 0`,
    "code=$?",
    // curl's 28 is its timeout; anything else (refused, 503 while loading) is a plain failure.
    `[ "$code" -eq 28 ] || exit 1`,
    `ran=$(( $(${ticks}) - before ))`,
    `if [ "$ran" -ge ${BUSY_MIN_TICKS} ]; then echo "busy: /metrics waited ${METRICS_WAIT_SEC} s behind a batch; the inference thread ran $ran ticks"; exit 0; fi`,
    `echo "wedged: /metrics unanswered for ${METRICS_WAIT_SEC} s and the inference thread ran $ran ticks"; exit 1`,
  ].join("\n");
  return {
    test: ["CMD", "bash", "-c", script],
    intervalSec: 6,
    timeoutSec: METRICS_WAIT_SEC + 2,
    retries: 2,
    startPeriodSec: loadTimeoutSec,
    startIntervalSec: 2,
  };
}
