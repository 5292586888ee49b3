/**
 * The stack config: one zod schema for everything a stack needs. Defaults are
 * the reference deployment's measured p2 settings, so a stack file holds only
 * what differs. Objects are strict: an unknown key (a typo) is an error.
 */
import { z } from "zod";
import { llamaBuildOf, PINNED_IMAGES } from "../images";
import { DEFAULT_OVERHEAD_MIB } from "../vram/estimate";
import { dockerSection } from "./docker-section";
import { kubernetesSection } from "./kubernetes-section";
import { absolutePath, imageSource, ipv4, limits, mebibytes, pinnedImage, port, seconds } from "./fields";
import { monitoringSection } from "./monitoring-section";
import { mcpSection, memorySection } from "./p3-sections";

/** The two llama.cpp servers, by role. */
export const INFERENCE_ROLES = ["chat", "code"] as const;
export type InferenceRole = (typeof INFERENCE_ROLES)[number];

/** Where a llama.cpp server computes: on an NVIDIA GPU (the CUDA image) or on the CPU (the CPU image, no GPU). */
export const INFERENCE_MODES = ["gpu", "cpu"] as const;
export type InferenceMode = (typeof INFERENCE_MODES)[number];

const CACHE_TYPES = ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1"] as const;

const llamaServer = (defaults: { model: string; alias: string; hostPort: number; nGpuLayers: number }) =>
  z
    .strictObject({
      /** GGUF file name inside `paths.modelsDir`. */
      model: z.string().min(1).regex(/^[^/]+\.gguf$/i, "must be a .gguf file name inside paths.modelsDir (no directories)").default(defaults.model),
      /** Name the server reports (`--alias`); LiteLLM sends it upstream. */
      alias: z.string().regex(/^[A-Za-z0-9._-]+$/).default(defaults.alias),
      hostPort: port.default(defaults.hostPort),
      /** "gpu" or "cpu"; unset: inference.mode. */
      mode: z.enum(INFERENCE_MODES).optional(),
      /** Which entry of `gpus` this server runs on (mode gpu). */
      gpu: z.string().default("0"),
      /** Layers on the GPU (`-ngl`), or "auto" to fit the stack's VRAM budget. Ignored in mode cpu (0). */
      nGpuLayers: z.union([z.int().min(0).max(999), z.literal("auto")]).default(defaults.nGpuLayers),
      ctxSize: z.int().min(64).max(1_048_576).default(1024),
      batchSize: z.int().min(1).default(128),
      ubatchSize: z.int().min(1).default(128),
      parallel: z.int().min(1).max(64).default(1),
      flashAttn: z.enum(["on", "off", "auto"]).default("off"),
      cacheTypeK: z.enum(CACHE_TYPES).default("f16"),
      cacheTypeV: z.enum(CACHE_TYPES).default("f16"),
      threads: z.int().min(1).max(256).default(4),
      sampling: z
        .strictObject({
          temperature: z.number().min(0).max(2).default(0.3),
          topP: z.number().gt(0).max(1).default(0.9),
          repeatPenalty: z.number().min(0).max(2).default(1.05),
        })
        .prefault({}),
      /** Worst-case model load time; sizes the healthcheck start period and the create timeout. */
      loadTimeoutSec: seconds.default(600),
      ...limits(6144, 4),
    })
    .superRefine((s, ctx) => {
      if (s.ubatchSize > s.batchSize) {
        ctx.addIssue({ code: "custom", path: ["ubatchSize"], message: `must not exceed batchSize (${s.batchSize}); llama.cpp caps it anyway` });
      }
      if (s.cacheTypeV !== "f16" && s.cacheTypeV !== "f32" && s.cacheTypeV !== "bf16" && s.flashAttn === "off") {
        ctx.addIssue({ code: "custom", path: ["cacheTypeV"], message: `a quantised V cache (${s.cacheTypeV}) needs flashAttn "on" or "auto"` });
      }
    })
    .prefault({});

export const StackConfigSchema = z
  .strictObject({
    /** Which phase of the suite this stack deploys; p3 adds MCP, memory and monitoring. */
    phase: z.enum(["p2", "p3"]).default("p2"),
    /** Where it runs: one Docker host, or a Kubernetes cluster (the `kubernetes` section; docs/kubernetes.md). */
    target: z.enum(["docker", "kubernetes"]).default("docker"),
    /** Optional prefix for container names (e.g. "p2-"); DNS aliases stay the service names. */
    containerPrefix: z.string().regex(/^([a-z0-9][a-z0-9_.-]*)?$/, "must be empty or start with a lowercase letter or digit").default(""),
    /** Host address every published port binds to. 0.0.0.0 exposes the stack to your network. */
    bindAddress: ipv4.default("127.0.0.1"),
    paths: z
      .strictObject({
        /** Host directory holding the GGUF files (mounted read-only). */
        modelsDir: absolutePath.default("/mnt/e/ai-models"),
        /** Host directory for everything the stack stores (never deleted by Pulumi). */
        dataDir: absolutePath.default("/mnt/e/ai-data"),
      })
      .prefault({}),
    /** The NVIDIA GPUs the stack may use; may be empty when every server runs in mode cpu. */
    gpus: z
      .array(
        z.strictObject({
          id: z.string().regex(/^(\d+|GPU-[0-9a-fA-F-]+)$/, "must be a device index (\"0\") or a GPU UUID"),
          name: z.string().optional(),
          totalMiB: mebibytes,
          /** Kept free for the driver, the display and other processes. */
          reserveMiB: z.int().min(0).default(400),
          /** Target kubernetes: the node this GPU is in (`kubectl get nodes`); pods planned on it are pinned there. */
          node: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a Kubernetes node name as `kubectl get nodes` lists it").optional(),
        }),
      )
      .default([{ id: "0", name: "NVIDIA GeForce RTX 4050 Laptop GPU", totalMiB: 6141, reserveMiB: 400 }]),
    inference: z
      .strictObject({
        /** Stack-wide default of each server's mode: "gpu" (CUDA image, VRAM plan) or "cpu" (hosts without an NVIDIA GPU). */
        mode: z.enum(INFERENCE_MODES).default("gpu"),
        /** The CUDA server image (mode gpu). */
        image: pinnedImage.default(PINNED_IMAGES.llamaCpp),
        /** The CPU server image (mode cpu); the same llama.cpp build as `image`. */
        cpuImage: pinnedImage.default(PINNED_IMAGES.llamaCppCpu),
        /** CUDA context, cuBLAS workspace and pool slack per llama-server process (~300 MiB measured). */
        perProcessOverheadMiB: z.int().min(0).default(DEFAULT_OVERHEAD_MIB),
        /** With nGpuLayers "auto": which server gets GPU layers first. */
        preferOnGpu: z.enum(INFERENCE_ROLES).default("chat"),
        chat: llamaServer({ model: "Qwen2.5-3B-Instruct-Q4_K_M.gguf", alias: "chat-3b", hostPort: 8001, nGpuLayers: 999 }),
        code: llamaServer({ model: "qwen2.5-coder-7b-instruct-q4_k_m.gguf", alias: "code-7b", hostPort: 8004, nGpuLayers: 20 }),
      })
      .prefault({}),
    gateway: z
      .strictObject({
        image: pinnedImage.default(PINNED_IMAGES.litellm),
        hostPort: port.default(8000),
        /** Public model names clients (RAG, MCP) ask for. */
        chatModel: z.string().regex(/^[A-Za-z0-9._-]+$/).default("chat-7b"),
        codeModel: z.string().regex(/^[A-Za-z0-9._-]+$/).default("code-7b"),
        /** Each model falls back to the other server when its own is down or hangs. */
        fallback: z.boolean().default(true),
        /**
         * Clients must send the master key (`Authorization: Bearer <gatewayMasterKey>`).
         * Off: anyone who reaches the port or the stack network can use it, as in the
         * reference; needed while a caller that cannot send a key (the reference MCP
         * server) calls the gateway.
         */
        requireKey: z.boolean().default(true),
        /** Retries on the same server before falling back; 0 fails over at once. */
        numRetries: z.int().min(0).max(10).default(0),
        /**
         * Seconds a failing deployment is skipped after it is cooled down. Only with
         * `healthCheck.enabled: false`: with health checks, cooldowns are off, since the
         * checks already take a failing server out and a cooldown would only keep a
         * recovered one out for longer.
         */
        cooldownSec: seconds.default(30),
        /**
         * Background health checks that steer routing (docs/litellm-failover.md). Every
         * `intervalSec` the gateway sends each server a 1-token chat completion through its
         * primary route; a server that does not answer within `timeoutSec` (a wedged
         * llama-server: port open, nothing answers) gets no new requests until a check
         * passes again. A wedge is noticed within intervalSec + timeoutSec. The check goes
         * through the inference loop, not `/health` (which a wedged llama-server still
         * answers), and never cuts a request in flight. With `parallel: 1` a check queues
         * behind a running generation, so a generation longer than `timeoutSec` moves new
         * requests to the other server until it ends.
         */
        healthCheck: z
          .strictObject({
            enabled: z.boolean().default(true),
            /** Seconds between the end of one round of checks and the start of the next (LiteLLM takes whole seconds). */
            intervalSec: z.int().min(1).max(3600).default(3),
            /** Seconds a check may take before the server counts as unhealthy. */
            timeoutSec: seconds.max(600).default(5),
          })
          .prefault({}),
        logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"]).default("WARNING"),
        ...limits(2048, 2),
      })
      .refine((g) => g.chatModel !== g.codeModel, { message: "chatModel and codeModel must differ", path: ["codeModel"] })
      .prefault({}),
    /** Timeouts in seconds, named after the reference's environment variables. */
    timeouts: z
      .strictObject({
        llmRequest: seconds.default(60), // LLM_REQUEST_TIMEOUT
        llmConnect: seconds.default(10), // LLM_CONNECT_TIMEOUT
        ragLlm: seconds.default(120), // RAG_LLM_TIMEOUT
        qdrant: seconds.default(30), // QDRANT_TIMEOUT
        embedding: seconds.default(30), // EMBEDDING_TIMEOUT
      })
      .refine((t) => t.llmConnect < t.llmRequest, { message: "llmConnect must be shorter than llmRequest", path: ["llmConnect"] })
      .prefault({}),
    retries: z
      .strictObject({
        qdrantMax: z.int().min(1).max(20).default(3), // QDRANT_MAX_RETRIES
        qdrantMinWait: seconds.default(2), // QDRANT_RETRY_MIN_WAIT
        qdrantMaxWait: seconds.default(10), // QDRANT_RETRY_MAX_WAIT
      })
      .refine((r) => r.qdrantMinWait <= r.qdrantMaxWait, { message: "qdrantMinWait must not exceed qdrantMaxWait", path: ["qdrantMinWait"] })
      .prefault({}),
    qdrant: z
      .strictObject({
        image: pinnedImage.default(PINNED_IMAGES.qdrant),
        httpPort: port.default(6333),
        grpcPort: port.default(6334),
        ...limits(2048, 2),
      })
      .prefault({}),
    embedding: z
      .strictObject({
        /** The service callers use (POST /embed, GET /health): ours, in services/embedding, in front of the embedding server. */
        source: imageSource.default({ build: { context: "services", dockerfile: "embedding/Dockerfile", tag: "0.2.0" } }),
        hostPort: port.default(8003),
        /** The name the service reports; RAG records it in each collection it makes. */
        model: z.string().min(1).default("BAAI/bge-small-en-v1.5"),
        ...limits(512, 1),
        /** The llama.cpp server that computes the embeddings (`llama-server --embeddings`), same image and build as the inference pair. */
        server: z
          .strictObject({
            /** GGUF file name inside `paths.modelsDir`. */
            model: z.string().regex(/^[^/]+\.gguf$/i, "must be a .gguf file name inside paths.modelsDir (no directories)").default("bge-small-en-v1.5-q8_0.gguf"),
            /** Published on bindAddress for `npm run health` and debugging; callers use the embedding service. */
            hostPort: port.default(8006),
            /** "cpu" (default: a 33M-parameter model needs no GPU) or "gpu" (then `vramMiB` is counted against the GPU's budget). */
            mode: z.enum(INFERENCE_MODES).default("cpu"),
            gpu: z.string().default("0"),
            /**
             * VRAM the server holds in mode gpu. A fixed claim: the VRAM model covers
             * generative models; bge-small q8_0 is ~35 MiB of weights plus buffers and CUDA context.
             */
            vramMiB: mebibytes.default(400),
            /** Split across `parallel` slots: 2048 / 4 = 512 tokens each, bge's whole window. */
            ctxSize: z.int().min(128).max(65536).default(2048),
            parallel: z.int().min(1).max(64).default(4),
            threads: z.int().min(1).max(256).default(2),
            loadTimeoutSec: seconds.default(120),
            ...limits(1024, 2),
          })
          .prefault({}),
      })
      .prefault({}),
    rag: z
      .strictObject({
        /**
         * "own": this repository's RAG service (services/rag), which sends the gateway key and
         * the Qdrant key. "reference": the original Python service, which sends neither (its
         * build context is the sibling checkout ../local-ai-suite).
         */
        implementation: z.enum(["own", "reference"]).default("own"),
        /** Where its image comes from; unset: the implementation's default build. */
        source: imageSource.optional(),
        hostPort: port.default(8002),
        topK: z.int().min(1).max(100).default(4),
        chunkSize: z.int().min(16).default(512),
        chunkOverlap: z.int().min(0).default(100),
        maxTokens: z.int().min(1).default(256),
        temperature: z.number().min(0).max(2).default(0.3),
        ...limits(1024, 2),
      })
      .refine((r) => r.chunkOverlap < r.chunkSize, { message: "chunkOverlap must be smaller than chunkSize", path: ["chunkOverlap"] })
      .prefault({}),
    docker: dockerSection,
    kubernetes: kubernetesSection,
    mcp: mcpSection,
    memory: memorySection,
    monitoring: monitoringSection,
  })
  .superRefine((config, ctx) => {
    const gpuIds = config.gpus.map((g) => g.id);
    const seen = new Set<string>();
    config.gpus.forEach((g, i) => {
      if (seen.has(g.id)) ctx.addIssue({ code: "custom", path: ["gpus", i, "id"], message: `duplicate GPU id "${g.id}"` });
      seen.add(g.id);
      if (g.reserveMiB >= g.totalMiB) ctx.addIssue({ code: "custom", path: ["gpus", i, "reserveMiB"], message: "must be smaller than totalMiB" });
    });
    const embeddingServer = config.embedding.server;
    if (embeddingServer.mode === "gpu" && !gpuIds.includes(embeddingServer.gpu)) {
      ctx.addIssue({ code: "custom", path: ["embedding", "server", "gpu"], message: `names GPU "${embeddingServer.gpu}", which gpus does not list` });
    }
    for (const role of INFERENCE_ROLES) {
      const gpu = config.inference[role].gpu;
      if (serverMode(config, role) === "gpu" && !gpuIds.includes(gpu)) {
        const have = gpuIds.length ? `gpus has only ${gpuIds.map((id) => `"${id}"`).join(", ")}` : "gpus is empty";
        ctx.addIssue({ code: "custom", path: ["inference", role, "gpu"], message: `names GPU "${gpu}", but ${have} (or run this server on the CPU: inference.${role}.mode "cpu")` });
      }
    }
    const gpuBuild = llamaBuildOf(config.inference.image);
    const cpuBuild = llamaBuildOf(config.inference.cpuImage);
    if (gpuBuild !== cpuBuild) {
      ctx.addIssue({ code: "custom", path: ["inference", "cpuImage"], message: `is llama.cpp build ${cpuBuild ? `b${cpuBuild}` : "(none)"} but inference.image is ${gpuBuild ? `b${gpuBuild}` : "(none)"}; both servers must run the same build` });
    }
    if (config.monitoring.enabled && config.monitoring.dcgmExporter.enabled && gpuIds.length === 0) {
      ctx.addIssue({ code: "custom", path: ["monitoring", "dcgmExporter", "enabled"], message: "the DCGM exporter needs an NVIDIA GPU, but gpus is empty; turn it off for a CPU-only host" });
    }
  });

export type StackConfig = z.infer<typeof StackConfigSchema>;
export type LlamaServerConfig = StackConfig["inference"]["chat"];

/** A server's own mode, else the stack-wide inference.mode. */
export function serverMode(config: Pick<StackConfig, "inference">, role: InferenceRole): InferenceMode {
  return config.inference[role].mode ?? config.inference.mode;
}

/** Top-level config keys that hold secrets; read with getSecret, never part of the schema. */
export const SECRET_KEYS = ["gatewayMasterKey", "qdrantApiKey", "grafanaAdminPassword"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
