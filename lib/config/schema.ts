/**
 * The stack config: one zod schema for everything a stack needs. Defaults are
 * the reference deployment's measured p2 settings, so a stack file holds only
 * what differs. Objects are strict: an unknown key (a typo) is an error.
 *
 * Every key's meaning is its `.describe()` / `.meta({ description })` text: the
 * README's configuration table is generated from it (`npm run docs:config`,
 * lib/config/docs.ts), and a test fails when the two drift apart.
 */
import { z } from "zod";
import { llamaBuildOf, PINNED_IMAGES } from "../images";
import { DEFAULT_OVERHEAD_MIB } from "../vram/estimate";
import { dockerSection } from "./docker-section";
import { kubernetesSection } from "./kubernetes-section";
import { absolutePath, imageSource, ipv4, limits, mebibytes, pinnedImage, port, seconds } from "./fields";
import { monitoringSection } from "./monitoring-section";
import { mcpSection } from "./mcp-section";
import { memorySection } from "./memory-section";
import {
  CACHE_TYPES,
  ggufFileName,
  gpuLayers,
  modelAlias,
  ROUTER_MODEL_OVERRIDES,
  routerSection,
  type RouterModelConfig,
} from "./router-section";

/** The two llama.cpp servers, by role. */
export const INFERENCE_ROLES = ["chat", "code"] as const;
export type InferenceRole = (typeof INFERENCE_ROLES)[number];

/** Where a llama.cpp server computes: on an NVIDIA GPU (the CUDA image) or on the CPU (the CPU image, no GPU). */
export const INFERENCE_MODES = ["gpu", "cpu"] as const;
export type InferenceMode = (typeof INFERENCE_MODES)[number];

const llamaServer = (defaults: { model: string; alias: string; hostPort: number; nGpuLayers: number }) =>
  z
    .strictObject({
      model: ggufFileName
        .default(defaults.model)
        .describe(
          "GGUF file name inside `paths.modelsDir`; it must be in models.lock.json (`npm run models -- add`), which the VRAM plan reads its facts from.",
        ),
      alias: modelAlias.default(defaults.alias).describe("Name the server reports (`--alias`); LiteLLM sends it upstream."),
      hostPort: port.default(defaults.hostPort).describe("Host port of the server's OpenAI-compatible API."),
      mode: z.enum(INFERENCE_MODES).optional().describe('"gpu" or "cpu"; unset: inference.mode.'),
      gpu: z.string().default("0").describe("Which entry of `gpus` this server runs on (mode gpu)."),
      nGpuLayers: gpuLayers
        .default(defaults.nGpuLayers)
        .describe('Layers on the GPU (`-ngl`), or "auto" to fit the stack\'s VRAM budget. Ignored in mode cpu (0).'),
      ctxSize: z
        .int()
        .min(64)
        .max(1_048_576)
        .default(1024)
        .describe("Context cells (`-c`), shared by the `parallel` slots; sizes the KV cache."),
      batchSize: z.int().min(1).default(128).describe("Logical batch (`-b`)."),
      ubatchSize: z.int().min(1).default(128).describe("Physical batch (`-ub`), at most batchSize; sizes the compute buffer."),
      parallel: z.int().min(1).max(64).default(1).describe("Slots (`-np`) that generate at once."),
      flashAttn: z.enum(["on", "off", "auto"]).default("off").describe("Flash attention (`-fa`); a quantised V cache needs it."),
      cacheTypeK: z.enum(CACHE_TYPES).default("f16").describe("KV cache types (`-ctk`, `-ctv`)."),
      cacheTypeV: z.enum(CACHE_TYPES).default("f16").describe("KV cache types (`-ctk`, `-ctv`)."),
      threads: z.int().min(1).max(256).default(4).describe("CPU threads (`-t`)."),
      sampling: z
        .strictObject({
          temperature: z.number().min(0).max(2).default(0.3),
          topP: z.number().gt(0).max(1).default(0.9),
          repeatPenalty: z.number().min(0).max(2).default(1.05),
        })
        .prefault({})
        .meta({
          description: "Default sampling (`--temp`, `--top-p`, `--repeat-penalty`); requests may override it.",
          defaultText: "0.3 / 0.9 / 1.05",
        }),
      loadTimeoutSec: seconds
        .default(600)
        .describe("Worst-case model load time; sizes the healthcheck start period and the create timeout."),
      ...limits(6144, 4),
      router: routerSection
        .optional()
        .describe(
          "Router mode: the server loads the listed models on demand, at most `maxLoaded` at once (docs/router.md). The server's own `model` and `alias` are then unused; its other settings are each model's defaults.",
        ),
    })
    .superRefine((s, ctx) => {
      for (const p of llamaSettingsProblems(s)) ctx.addIssue({ code: "custom", path: [p.key], message: p.message });
      s.router?.models.forEach((m, i) => {
        for (const p of llamaSettingsProblems(routerModelServer(s, m))) {
          ctx.addIssue({
            code: "custom",
            path: ["router", "models", i, p.key],
            message: `${p.message} (with what it inherits from the server)`,
          });
        }
      });
    })
    .prefault({})
    .meta({
      description: "The chat and the code llama.cpp server (`llama-server`).",
      defaultText: `${defaults.model}, ${defaults.nGpuLayers} layers`,
    });

/** The sections a phase p3 stack adds to p2's services (each with an `enabled` flag). */
export const P3_SECTIONS = ["mcp", "memory", "monitoring"] as const;
export type Phase = "p2" | "p3";

/**
 * The object schema itself, without the phase defaults and cross-section rules
 * (StackConfigSchema below); the README's configuration table is generated from it.
 */
export const StackConfigObject = z.strictObject({
  phase: z
    .enum(["p2", "p3"])
    .default("p2")
    .describe(
      "Which services the stack deploys. p2: the two llama.cpp servers, the LiteLLM gateway, Qdrant, the embedding server and service, RAG. " +
        "p3: all of p2 plus the MCP server, the memory API and maintainer, and monitoring; `mcp.enabled`, `memory.enabled` and `monitoring.enabled` default to on in p3 and may turn one off. " +
        "In p2 those sections are off and cannot be turned on.",
    ),
  target: z
    .enum(["docker", "kubernetes"])
    .default("docker")
    .describe("Where it runs: one Docker host, or a Kubernetes cluster (the `kubernetes` section; docs/kubernetes.md)."),
  containerPrefix: z
    .string()
    .regex(/^([a-z0-9][a-z0-9_.-]*)?$/, "must be empty or start with a lowercase letter or digit")
    .default("")
    .describe('Optional prefix for container names (e.g. "p2-"); DNS aliases stay the service names.'),
  bindAddress: ipv4.default("127.0.0.1").describe("Host address every published port binds to. 0.0.0.0 exposes the stack to your network."),
  paths: z
    .strictObject({
      modelsDir: absolutePath.default("/mnt/e/ai-models").describe("Host directory holding the GGUF files (mounted read-only)."),
      dataDir: absolutePath.default("/mnt/e/ai-data").describe("Host directory for everything the stack stores (never deleted by Pulumi)."),
    })
    .prefault({}),
  gpus: z
    .array(
      z.strictObject({
        id: z
          .string()
          .regex(/^(\d+|GPU-[0-9a-fA-F-]+)$/, 'must be a device index ("0") or a GPU UUID')
          .describe('nvidia-smi index ("0") or UUID ("GPU-...").'),
        name: z.string().optional().describe("For people (reports, outputs)."),
        totalMiB: mebibytes.describe("The card's memory as nvidia-smi reports it."),
        reserveMiB: z.int().min(0).default(400).describe("Kept free for the driver, the display and other processes."),
        node: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a Kubernetes node name as `kubectl get nodes` lists it")
          .optional()
          .describe("Target kubernetes: the node this GPU is in (`kubectl get nodes`); pods planned on it are pinned there."),
      }),
    )
    .default([{ id: "0", name: "NVIDIA GeForce RTX 4050 Laptop GPU", totalMiB: 6141, reserveMiB: 400 }])
    .meta({
      description:
        "The NVIDIA GPUs the stack may use; each one's VRAM budget is totalMiB - reserveMiB. May be empty when every server runs in mode cpu.",
      defaultText: "one RTX 4050 Laptop, 6141 MiB, 400 MiB reserve",
    }),
  inference: z
    .strictObject({
      mode: z
        .enum(INFERENCE_MODES)
        .default("gpu")
        .describe('Stack-wide default of each server\'s mode: "gpu" (CUDA image, VRAM plan) or "cpu" (hosts without an NVIDIA GPU).'),
      image: pinnedImage.default(PINNED_IMAGES.llamaCpp).describe("The CUDA server image (mode gpu)."),
      cpuImage: pinnedImage
        .default(PINNED_IMAGES.llamaCppCpu)
        .describe("The CPU server image (mode cpu); the same llama.cpp build as `image`."),
      perProcessOverheadMiB: z
        .int()
        .min(0)
        .default(DEFAULT_OVERHEAD_MIB)
        .describe("CUDA context, cuBLAS workspace and pool slack per llama-server process (~300 MiB measured)."),
      preferOnGpu: z.enum(INFERENCE_ROLES).default("chat").describe('With nGpuLayers "auto": which server gets GPU layers first.'),
      chat: llamaServer({ model: "Qwen2.5-3B-Instruct-Q4_K_M.gguf", alias: "chat-3b", hostPort: 8001, nGpuLayers: 999 }),
      code: llamaServer({ model: "qwen2.5-coder-7b-instruct-q4_k_m.gguf", alias: "code-7b", hostPort: 8004, nGpuLayers: 20 }),
    })
    .prefault({})
    .describe("The two llama.cpp servers and their VRAM plan."),
  gateway: z
    .strictObject({
      image: pinnedImage.default(PINNED_IMAGES.litellm).describe("LiteLLM proxy image (pinned)."),
      hostPort: port.default(8000).describe("Host port of the OpenAI-compatible API clients use."),
      chatModel: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/)
        .default("chat-7b")
        .describe("Public model names clients (RAG, MCP) ask for."),
      codeModel: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/)
        .default("code-7b")
        .describe("Public model names clients (RAG, MCP) ask for."),
      fallback: z.boolean().default(true).describe("Each model falls back to the other server when its own is down or hangs."),
      requireKey: z
        .boolean()
        .default(true)
        .describe(
          "Clients must send the master key (`Authorization: Bearer <gatewayMasterKey>`). Off: anyone who reaches the port or the stack network can use it, " +
            "as in the reference; needed while a caller that cannot send a key (the reference MCP server) calls the gateway.",
        ),
      numRetries: z.int().min(0).max(10).default(0).describe("Retries on the same server before falling back; 0 fails over at once."),
      cooldownSec: seconds
        .default(30)
        .describe(
          "Seconds a failing deployment is skipped after it is cooled down. Only with `healthCheck.enabled: false`: with health checks, cooldowns are off, " +
            "since the checks already take a failing server out and a cooldown would only keep a recovered one out for longer.",
        ),
      healthCheck: z
        .strictObject({
          enabled: z
            .boolean()
            .default(true)
            .describe(
              "Background health checks that steer routing (docs/litellm-failover.md): every `intervalSec` a 1-token chat completion through each server's primary route; " +
                "a server that does not answer within `timeoutSec` (a wedged llama-server: port open, nothing answers) gets no new requests until a check passes again. " +
                "The check goes through the inference loop, not `/health` (which a wedged llama-server still answers), and never cuts a request in flight; " +
                "with `parallel: 1` it queues behind a running generation, so a generation longer than `timeoutSec` moves new requests to the other server until it ends.",
            ),
          intervalSec: z
            .int()
            .min(1)
            .max(3600)
            .default(3)
            .describe("Seconds between the end of one round of checks and the start of the next (LiteLLM takes whole seconds)."),
          timeoutSec: seconds.max(600).default(5).describe("Seconds a check may take before the server counts as unhealthy."),
        })
        .prefault({}),
      logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"]).default("WARNING").describe("LiteLLM's log level."),
      ...limits(2048, 2),
    })
    .refine((g) => g.chatModel !== g.codeModel, { message: "chatModel and codeModel must differ", path: ["codeModel"] })
    .prefault({})
    .describe("The LiteLLM gateway: public model names, failover between the two servers, health-check routing."),
  timeouts: z
    .strictObject({
      llmRequest: seconds.default(60).describe("`LLM_REQUEST_TIMEOUT`: a whole LLM request, seconds."),
      llmConnect: seconds.default(10).describe("`LLM_CONNECT_TIMEOUT`: connecting to the gateway, seconds (shorter than llmRequest)."),
      ragLlm: seconds.default(120).describe("`RAG_LLM_TIMEOUT`: RAG's generation call, seconds."),
      qdrant: seconds.default(30).describe("`QDRANT_TIMEOUT`, seconds."),
      embedding: seconds.default(30).describe("`EMBEDDING_TIMEOUT`, seconds."),
    })
    .refine((t) => t.llmConnect < t.llmRequest, { message: "llmConnect must be shorter than llmRequest", path: ["llmConnect"] })
    .prefault({})
    .describe("Timeouts in seconds, named after the reference's environment variables."),
  retries: z
    .strictObject({
      qdrantMax: z.int().min(1).max(20).default(3).describe("`QDRANT_MAX_RETRIES`."),
      qdrantMinWait: seconds.default(2).describe("`QDRANT_RETRY_MIN_WAIT`, seconds."),
      qdrantMaxWait: seconds.default(10).describe("`QDRANT_RETRY_MAX_WAIT`, seconds."),
    })
    .refine((r) => r.qdrantMinWait <= r.qdrantMaxWait, { message: "qdrantMinWait must not exceed qdrantMaxWait", path: ["qdrantMinWait"] })
    .prefault({})
    .describe("Qdrant retries of the services that call it."),
  qdrant: z
    .strictObject({
      image: pinnedImage.default(PINNED_IMAGES.qdrant).describe("Qdrant image (pinned)."),
      httpPort: port.default(6333).describe("Host port of the REST API."),
      grpcPort: port.default(6334).describe("Host port of the gRPC API."),
      requireKey: z
        .boolean()
        .default(true)
        .meta({
          description:
            "Qdrant requires its API key (`qdrantApiKey`, generated when the stack sets none): RAG sends it, `npm run backup` and `restore` read it from Qdrant's container; Prometheus gets only the read-only key (`qdrantReadOnlyKey`, generated likewise); `/healthz`, `/livez` and `/readyz` stay open. " +
            "Off: anyone who reaches the port can read, snapshot or delete every vector; needed while a caller that cannot send it calls Qdrant: p3 turns it off while the reference memory API and maintainer are on. A key the stack sets is required either way.",
          defaultText: "p2: true; p3: false while the memory services are on",
        }),
      ...limits(2048, 2),
    })
    .prefault({})
    .describe("The Qdrant vector store (storage and snapshots under paths.dataDir)."),
  embedding: z
    .strictObject({
      source: imageSource
        .default({ build: { context: "services", dockerfile: "embedding/Dockerfile", tag: "0.2.0" } })
        .describe("The service callers use (POST /embed, GET /health): ours, in services/embedding, in front of the embedding server."),
      hostPort: port.default(8003).describe("Host port of the embedding service."),
      requireToken: z
        .boolean()
        .default(true)
        .describe(
          "Callers must send the stack token (`Authorization: Bearer <serviceToken>`, generated when unset); GET /health stays open for probes. Off: anyone who reaches the port can use it; needed while a caller that cannot send it (the reference MCP server or memory API) calls it.",
        ),
      model: z
        .string()
        .min(1)
        .default("BAAI/bge-small-en-v1.5")
        .describe("The name the service reports; RAG records it in each collection it makes."),
      ...limits(512, 1),
      server: z
        .strictObject({
          model: z
            .string()
            .regex(/^[^/]+\.gguf$/i, "must be a .gguf file name inside paths.modelsDir (no directories)")
            .default("bge-small-en-v1.5-q8_0.gguf")
            .describe(
              "GGUF file name inside `paths.modelsDir`; it must be in models.lock.json (`npm run models -- pull` fetches and checks it).",
            ),
          hostPort: port
            .default(8006)
            .describe("Published on bindAddress for `npm run health` and debugging; callers use the embedding service."),
          mode: z
            .enum(INFERENCE_MODES)
            .default("cpu")
            .describe(
              '"cpu" (default: a 33M-parameter model needs no GPU) or "gpu" (then `vramMiB` is counted against the GPU\'s budget).',
            ),
          gpu: z.string().default("0").describe("Which entry of `gpus` it runs on (mode gpu)."),
          vramMiB: mebibytes
            .default(400)
            .describe(
              "VRAM the server holds in mode gpu. A stated claim: the VRAM model covers generative models; bge-small q8_0 is ~35 MiB of weights plus buffers and CUDA context.",
            ),
          ctxSize: z
            .int()
            .min(128)
            .max(65536)
            .default(2048)
            .describe("Split across `parallel` slots: 2048 / 4 = 512 tokens each, bge's whole window."),
          parallel: z.int().min(1).max(64).default(4),
          threads: z.int().min(1).max(256).default(2),
          loadTimeoutSec: seconds.default(120),
          ...limits(1024, 2),
        })
        .prefault({})
        .describe(
          "The llama.cpp server that computes the embeddings (`llama-server --embeddings`), same image and build as the inference pair.",
        ),
    })
    .prefault({})
    .describe("Embeddings: this repository's service (services/embedding) in front of a llama.cpp embedding server."),
  rag: z
    .strictObject({
      implementation: z
        .enum(["own", "reference"])
        .default("own")
        .describe(
          '"own": this repository\'s RAG service (services/rag), which sends the gateway key and the Qdrant key. ' +
            '"reference": the original Python service, which sends neither (its build context is the sibling checkout ../local-ai-suite).',
        ),
      source: imageSource.optional().describe("Where its image comes from; unset: the implementation's default build."),
      hostPort: port.default(8002).describe("Host port of the RAG API."),
      requireToken: z
        .boolean()
        .default(true)
        .describe(
          "Callers must send the stack token (`Authorization: Bearer <serviceToken>`, generated when unset); GET /health stays open for probes. Off: anyone who reaches the port can use it; needed while a caller that cannot send it (the reference MCP server or memory API) calls it.",
        ),
      topK: z.int().min(1).max(100).default(4),
      chunkSize: z.int().min(16).default(512),
      chunkOverlap: z.int().min(0).default(100),
      maxTokens: z.int().min(1).default(256),
      temperature: z.number().min(0).max(2).default(0.3),
      ...limits(1024, 2),
    })
    .refine((r) => r.chunkOverlap < r.chunkSize, { message: "chunkOverlap must be smaller than chunkSize", path: ["chunkOverlap"] })
    .prefault({})
    .describe("The RAG service (documents under paths.dataDir/documents, collections in Qdrant)."),
  healer: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe(
          "Run the healer. It reaches the Docker API only through its proxy (below), which alone mounts the socket (allowlisted for it in the policy config with the reason).",
        ),
      source: imageSource
        .default({ build: { context: "services", dockerfile: "healer/Dockerfile", tag: "0.3.0" } })
        .describe("Its image: services/healer by default."),
      dockerApiProxy: z
        .strictObject({
          source: imageSource
            .default({ build: { context: "images/docker-api-proxy", dockerfile: "Dockerfile", tag: "2.6.12-1-deb12u3" } })
            .describe("Its image: HAProxy from Debian 12's package (images/docker-api-proxy) by default."),
          ...limits(64, 0.25),
        })
        .prefault({})
        .describe(
          "The allowlisting Docker API proxy in front of the socket, on a network only the healer shares: it lets through listing containers, their events and restarting this stack's opted-in containers by name, and answers 403 to anything else.",
        ),
      maxRestarts: z
        .int()
        .min(1)
        .max(100)
        .default(3)
        .describe("Restarts of one container within `windowSec` before it is left unhealthy for a person (the alert stays)."),
      windowSec: seconds.default(1800).describe("The window of the restart budget, seconds."),
      ...limits(128, 0.25),
    })
    .prefault({})
    .describe("Restarts this stack's containers that turn unhealthy (Docker itself restarts on exit only)."),
  backup: z
    .strictObject({
      beforeChange: z
        .boolean()
        .default(true)
        .describe(
          "Before `up` changes a data-holding container (Qdrant, the memory services, MCP), back its data up from the running container; a failed backup stops the change. " +
            "Set false for one `up` that must replace a container whose data cannot be read (e.g. a wedged Qdrant).",
        ),
      dir: absolutePath.optional().describe("Where backups go (`<dir>/<stack>/...`); unset: `backups/` in the project directory."),
      keepBeforeChange: z
        .int()
        .min(1)
        .max(100)
        .default(5)
        .describe("How many pre-change backups of each service (`<dir>/<stack>/pre-change/<service>`) to keep."),
    })
    .prefault({})
    .describe("Backups: `npm run backup`, and the one `up` takes before changing a data-holding container."),
  docker: dockerSection,
  kubernetes: kubernetesSection,
  mcp: mcpSection,
  memory: memorySection,
  monitoring: monitoringSection,
});

/**
 * Phase p3 turns its sections on unless the stack says otherwise (an explicit `enabled` wins); p2 leaves
 * them off. With p3's memory services on, Qdrant's key is off unless the stack sets qdrant.requireKey.
 */
function phaseDefaults(raw: unknown): unknown {
  if (!isPlainObject(raw) || (raw.phase ?? "p2") !== "p3") return raw;
  const out: Record<string, unknown> = { ...raw };
  for (const section of P3_SECTIONS) {
    const value = raw[section];
    if (value === undefined) out[section] = { enabled: true };
    else if (isPlainObject(value) && value.enabled === undefined) out[section] = { ...value, enabled: true };
  }
  // The reference memory API and maintainer call Qdrant and cannot send its key: with them on, Qdrant
  // requires none unless the stack says so (p2's default is a key).
  const memory = out.memory as Record<string, unknown>;
  const qdrant = isPlainObject(raw.qdrant) ? raw.qdrant : {};
  if (memory.enabled !== false && qdrant.requireKey === undefined) out.qdrant = { ...qdrant, requireKey: false };
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export const StackConfigSchema = z.preprocess(
  phaseDefaults,
  StackConfigObject.superRefine((config, ctx) => {
    if (config.phase === "p2") {
      for (const section of P3_SECTIONS) {
        if (!config[section].enabled) continue;
        ctx.addIssue({
          code: "custom",
          path: [section, "enabled"],
          message: `turns on a p3 section, but phase is "p2" (p2 deploys the two llama.cpp servers, the gateway, Qdrant, embedding and RAG only)`,
          params: {
            fix: `pulumi config set phase p3 (p3 turns on mcp, memory and monitoring; turn off the ones you do not want: pulumi config set --path '<section>.enabled' false), or remove ${section}.enabled`,
          },
        });
      }
    }
    const gpuIds = config.gpus.map((g) => g.id);
    const seen = new Set<string>();
    config.gpus.forEach((g, i) => {
      if (seen.has(g.id)) ctx.addIssue({ code: "custom", path: ["gpus", i, "id"], message: `duplicate GPU id "${g.id}"` });
      seen.add(g.id);
      if (g.reserveMiB >= g.totalMiB)
        ctx.addIssue({ code: "custom", path: ["gpus", i, "reserveMiB"], message: "must be smaller than totalMiB" });
    });
    const embeddingServer = config.embedding.server;
    if (embeddingServer.mode === "gpu" && !gpuIds.includes(embeddingServer.gpu)) {
      ctx.addIssue({
        code: "custom",
        path: ["embedding", "server", "gpu"],
        message: `names GPU "${embeddingServer.gpu}", which gpus does not list`,
      });
    }
    for (const role of INFERENCE_ROLES) {
      const gpu = config.inference[role].gpu;
      if (serverMode(config, role) === "gpu" && !gpuIds.includes(gpu)) {
        const have = gpuIds.length ? `gpus has only ${gpuIds.map((id) => `"${id}"`).join(", ")}` : "gpus is empty";
        ctx.addIssue({
          code: "custom",
          path: ["inference", role, "gpu"],
          message: `names GPU "${gpu}", but ${have} (or run this server on the CPU: inference.${role}.mode "cpu")`,
        });
      }
    }
    const routerAliases = new Map<string, InferenceRole>();
    for (const role of INFERENCE_ROLES) {
      const router = config.inference[role].router;
      if (!router) continue;
      if (config.target === "kubernetes") {
        ctx.addIssue({
          code: "custom",
          path: ["inference", role, "router"],
          message:
            "router mode runs on target docker only for now: the Kubernetes target would ship the preset in a ConfigMap, where kubernetes-gpu-vram-budget cannot yet read it to prove the worst set",
          params: { fix: `remove inference.${role}.router (or deploy this stack with target docker)` },
        });
      }
      const publicKey = role === "chat" ? "chatModel" : "codeModel";
      const aliases = router.models.map((m) => m.alias);
      if (!aliases.includes(config.gateway[publicKey])) {
        ctx.addIssue({
          code: "custom",
          path: ["gateway", publicKey],
          message: `is "${config.gateway[publicKey]}", but inference.${role} is a router and serves only ${aliases.map((a) => `"${a}"`).join(", ")}; the role's public name picks its default model (the other server's fallback)`,
          params: { fix: `pulumi config set --path 'gateway.${publicKey}' ${aliases[0]}` },
        });
      }
      router.models.forEach((m, i) => {
        const other = routerAliases.get(m.alias);
        if (other) {
          ctx.addIssue({
            code: "custom",
            path: ["inference", role, "router", "models", i, "alias"],
            message: `"${m.alias}" is also a model of the router on inference.${other}; each public model name routes to one server`,
          });
        }
        routerAliases.set(m.alias, role);
      });
    }
    const gpuBuild = llamaBuildOf(config.inference.image);
    const cpuBuild = llamaBuildOf(config.inference.cpuImage);
    if (gpuBuild !== cpuBuild) {
      ctx.addIssue({
        code: "custom",
        path: ["inference", "cpuImage"],
        message: `is llama.cpp build ${cpuBuild ? `b${cpuBuild}` : "(none)"} but inference.image is ${gpuBuild ? `b${gpuBuild}` : "(none)"}; both servers must run the same build`,
      });
    }
    if (config.monitoring.enabled && config.monitoring.dcgmExporter.enabled && gpuIds.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["monitoring", "dcgmExporter", "enabled"],
        message: "the DCGM exporter needs an NVIDIA GPU, but gpus is empty; turn it off for a CPU-only host",
      });
    }
  }),
);

export type StackConfig = z.infer<typeof StackConfigSchema>;
export type LlamaServerConfig = StackConfig["inference"]["chat"];

/** The settings one router model runs with: the server's, overridden by what the model states. */
export function routerModelServer<S extends LlamaSettings>(server: S, m: RouterModelConfig): S {
  const overrides = Object.fromEntries(ROUTER_MODEL_OVERRIDES.filter((k) => m[k] !== undefined).map((k) => [k, m[k]]));
  return { ...server, ...overrides, model: m.model, alias: m.alias, router: undefined };
}

interface LlamaSettings {
  model: string;
  alias: string;
  batchSize: number;
  ubatchSize: number;
  flashAttn: string;
  cacheTypeV: string;
  router?: unknown;
}

/** Settings llama.cpp refuses or silently changes. */
function llamaSettingsProblems(s: LlamaSettings): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  if (s.ubatchSize > s.batchSize) {
    problems.push({ key: "ubatchSize", message: `must not exceed batchSize (${s.batchSize}); llama.cpp caps it anyway` });
  }
  if (s.cacheTypeV !== "f16" && s.cacheTypeV !== "f32" && s.cacheTypeV !== "bf16" && s.flashAttn === "off") {
    problems.push({ key: "cacheTypeV", message: `a quantised V cache (${s.cacheTypeV}) needs flashAttn "on" or "auto"` });
  }
  return problems;
}

/** A server's own mode, else the stack-wide inference.mode. */
export function serverMode(config: Pick<StackConfig, "inference">, role: InferenceRole): InferenceMode {
  return config.inference[role].mode ?? config.inference.mode;
}

/** Top-level config keys that hold secrets; read with getSecret, never part of the schema. */
export const SECRET_KEYS = [
  "gatewayMasterKey",
  "qdrantApiKey",
  "qdrantReadOnlyKey",
  "grafanaAdminPassword",
  "inferenceApiKey",
  "serviceToken",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
