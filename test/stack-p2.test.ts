/** The whole p2 graph, captured under Pulumi mocks from Pulumi.p2.yaml. */
import { parse as parseYaml } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { isCanonicalGoDuration, parseGoDuration } from "../lib/durations";
import {
  type CapturedStack,
  containerNamed,
  containers,
  PROJECT_DIR,
  runProgram,
  runStackFile,
  stackFileConfig,
  dependencyNames,
} from "./support/pulumi-harness";
import { P2_SERVICES } from "./support/p2-services";

const HOST_PORTS: Record<string, number[]> = {
  "inference-chat": [8001],
  "inference-code": [8004],
  "api-gateway": [8000],
  qdrant: [6333, 6334],
  "embedding-server": [8006],
  embedding: [8003],
  rag: [8002],
  healer: [],
  "docker-api-proxy": [],
};
/** The networks each container joins: the stack's, and the internal one only the healer and its Docker API proxy share. */
const NETWORKS: Record<string, string[]> = {
  ...Object.fromEntries(P2_SERVICES.map((s) => [s, ["local-ai-suite"]])),
  healer: ["local-ai-suite", "local-ai-suite-docker-api"],
  "docker-api-proxy": ["local-ai-suite-docker-api"],
};

let p2: CapturedStack;
beforeAll(async () => {
  p2 = await runStackFile("p2");
});

function flag(command: string[], name: string): string | undefined {
  const i = command.indexOf(name);
  return i >= 0 ? command[i + 1] : undefined;
}

describe("p2 stack under mocks", () => {
  it("has the reference's six p2 services, named as in the reference, plus the llama.cpp embedding server and the healer", () => {
    expect(
      containers(p2)
        .map((c) => c.inputs.name)
        .sort(),
    ).toEqual([...P2_SERVICES].sort());
  });

  it("registers every resource once", () => {
    const urns = p2.resources.map((r) => r.urn);
    expect(new Set(urns).size).toBe(urns.length);
  });

  it.each(P2_SERVICES)("%s is healthchecked with Go durations and waited for", (name) => {
    const c = containerNamed(p2, name).inputs;
    const h = c.healthcheck;
    expect(h.tests[0]).toBe("CMD");
    expect(h.tests.length).toBeGreaterThan(2);
    for (const field of ["interval", "timeout", "startPeriod"]) {
      expect(isCanonicalGoDuration(h[field]), `${field}=${h[field]}`).toBe(true);
    }
    // Unit runs plan for Engine API 1.41, which refuses start_interval.
    expect(h.startInterval).toBeUndefined();
    expect(h.retries).toBeGreaterThanOrEqual(2);
    expect(c.wait).toBe(true);
    // `up` waits at least the start period, plus the failing probes Docker needs to call it unhealthy.
    expect(c.waitTimeout * 1000).toBeGreaterThanOrEqual(parseGoDuration(h.startPeriod)! + h.retries * parseGoDuration(h.interval)!);
    const createMs = parseGoDuration(containerNamed(p2, name).options.customTimeouts!.create!)!;
    expect(createMs).toBeGreaterThan(c.waitTimeout * 1000);
  });

  it("probes every 2 s inside the start period where the engine allows it (API 1.44+)", async () => {
    const newer = await runStackFile("p2", { docker: { engineApiVersion: "1.44" } });
    for (const name of P2_SERVICES) expect(containerNamed(newer, name).inputs.healthcheck.startInterval, name).toBe("2s");
  });

  it.each(P2_SERVICES)("%s stops gracefully, keeps its image and has no swap", (name) => {
    const c = containerNamed(p2, name);
    expect(c.inputs.destroyGraceSeconds).toBeGreaterThanOrEqual(10);
    expect(c.inputs.stopTimeout).toBe(c.inputs.destroyGraceSeconds);
    expect(c.inputs.memorySwap).toBe(c.inputs.memory);
    // The spelling Docker reads back: "4.0", "2.0", never "4".
    expect(c.inputs.cpus).toMatch(/^\d+\.\d*$/);
    expect(c.options.deleteBeforeReplace).toBe(true);
    // The provider records a healthcheck or tmpfs change in state but never applies it to a running container.
    expect(c.options.replaceOnChanges).toEqual(["healthcheck", "tmpfs"]);
  });

  it.each(P2_SERVICES)("%s binds its host ports to 127.0.0.1 only, once each", (name) => {
    const ports = containerNamed(p2, name).inputs.ports as { ip: string; external: number; internal: number }[];
    expect(ports.map((p) => p.external).sort()).toEqual(HOST_PORTS[name]);
    for (const p of ports) expect(p.ip).toBe("127.0.0.1");
    expect(new Set(ports.map((p) => p.internal)).size).toBe(ports.length);
  });

  it.each(P2_SERVICES)("%s is replaced delete-first, restarts, is limited and labelled", (name) => {
    const r = containerNamed(p2, name);
    expect(r.options.deleteBeforeReplace).toBe(true);
    expect(r.inputs.restart).toBe("unless-stopped");
    expect(r.inputs.memory).toBeGreaterThan(0);
    expect(Number(r.inputs.cpus)).toBeGreaterThan(0);
    const labels = Object.fromEntries((r.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
    expect(labels).toMatchObject({ "local-ai-suite.stack": "p2", "local-ai-suite.service": name, "local-ai-suite.phase": "p2" });
    expect(r.inputs.networksAdvanced).toEqual(NETWORKS[name]!.map((network) => ({ name: network, aliases: [name] })));
    expect(r.inputs.securityOpts).toContain("no-new-privileges:true");
    expect(r.inputs.privileged).toBeFalsy();
  });

  it("makes the healer's network internal, with only the healer and its proxy on it", () => {
    const networks = p2.resources.filter((r) => r.type === "docker:index/network:Network").map((r) => r.inputs);
    expect(networks.map((n) => [n.name, n.internal ?? false])).toEqual([
      ["local-ai-suite", false],
      ["local-ai-suite-docker-api", true],
    ]);
    expect(dependencyNames(p2, "healer")).toEqual(["docker-api-proxy"]);
  });

  it("gates every dependency on health: the gateway on both servers, embedding on its server, RAG on qdrant, embedding and the gateway", () => {
    expect(dependencyNames(p2, "api-gateway")).toEqual(["inference-chat", "inference-code"]);
    expect(dependencyNames(p2, "embedding")).toEqual(["embedding-server"]);
    expect(dependencyNames(p2, "rag")).toEqual(["api-gateway", "embedding", "qdrant"]);
    for (const leaf of ["inference-chat", "inference-code", "qdrant", "embedding-server"]) expect(dependencyNames(p2, leaf)).toEqual([]);
    // A dependency only gates on health if it waits for its own healthcheck.
    for (const name of ["inference-chat", "inference-code", "qdrant", "embedding-server", "embedding", "api-gateway"]) {
      expect(containerNamed(p2, name).inputs.wait).toBe(true);
    }
  });

  it("requests the NVIDIA GPU explicitly for the two llama.cpp servers only", () => {
    for (const name of ["inference-chat", "inference-code"]) {
      const c = containerNamed(p2, name).inputs;
      expect(c.deviceRequests).toEqual([{ driver: "nvidia", deviceIds: ["0"], capabilities: ["gpu"] }]);
      expect(c.gpus).toBeUndefined();
    }
    for (const name of ["api-gateway", "qdrant", "embedding-server", "embedding", "rag", "healer", "docker-api-proxy"])
      expect(containerNamed(p2, name).inputs.deviceRequests).toBeUndefined();
  });

  it("pins the llama.cpp CUDA image and every memory-relevant llama-server flag, as measured", () => {
    const images = p2.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name);
    expect(images).toContain("ghcr.io/ggml-org/llama.cpp:server-cuda-b9851");
    const chat = containerNamed(p2, "inference-chat").inputs.command as string[];
    const code = containerNamed(p2, "inference-code").inputs.command as string[];
    expect(flag(chat, "--model")).toBe("/models/Qwen2.5-3B-Instruct-Q4_K_M.gguf");
    expect(flag(code, "--model")).toBe("/models/qwen2.5-coder-7b-instruct-q4_k_m.gguf");
    expect(flag(chat, "--n-gpu-layers")).toBe("999");
    expect(flag(code, "--n-gpu-layers")).toBe("20");
    for (const command of [chat, code]) {
      expect(flag(command, "--ctx-size")).toBe("1024");
      expect(flag(command, "--batch-size")).toBe("128");
      for (const pinned of ["--ubatch-size", "--parallel", "--flash-attn", "--cache-type-k", "--cache-type-v", "--alias", "--port"]) {
        expect(flag(command, pinned), pinned).toBeDefined();
      }
      expect(command).toContain("--metrics");
    }
    for (const name of ["inference-chat", "inference-code"]) {
      expect(containerNamed(p2, name).inputs.volumes).toEqual([{ hostPath: "/mnt/e/ai-models", containerPath: "/models", readOnly: true }]);
    }
  });

  it("ships a LiteLLM config that fails over chat to inference-code and code to inference-chat", () => {
    const gateway = containerNamed(p2, "api-gateway").inputs;
    expect(gateway.command).toEqual(["--config", "/app/config.yaml", "--port", "8000", "--host", "0.0.0.0"]);
    const upload = (gateway.uploads as { file: string; content: string }[]).find((u) => u.file === "/app/config.yaml")!;
    const config = parseYaml(upload.content);
    expect(Object.keys(config).sort()).toEqual(["general_settings", "litellm_settings", "model_list", "router_settings"]);
    const tiers = (model: string) =>
      config.model_list
        .filter((d: any) => d.model_name === model)
        .sort((a: any, b: any) => a.litellm_params.order - b.litellm_params.order)
        .map((d: any) => new URL(d.litellm_params.api_base).hostname);
    expect(tiers("chat-7b")).toEqual(["inference-chat", "inference-code"]);
    expect(tiers("code-7b")).toEqual(["inference-code", "inference-chat"]);
    for (const d of config.model_list) {
      expect(d.litellm_params).not.toHaveProperty("priority");
      expect(d.litellm_params).not.toHaveProperty("stream");
    }
    expect(config.router_settings.num_retries).toBe(0);
    expect(config.general_settings.master_key).toBe("os.environ/LITELLM_MASTER_KEY");
    expect(gateway.healthcheck.tests.join(" ")).toContain("/health/liveliness");
  });

  it("passes the gateway master key only as a secret, generated when the stack sets none", () => {
    const gateway = containerNamed(p2, "api-gateway");
    const entry = (gateway.inputs.envs as string[]).find((e) => e.startsWith("LITELLM_MASTER_KEY="))!;
    expect(entry).toMatch(/^LITELLM_MASTER_KEY=sk-generated/);
    const envs = gateway.inputs.envs as string[];
    const upstreamKey = envs.find((e) => e.startsWith("INFERENCE_API_KEY="))!;
    // Only the secret entries are secret (each is its own Output); state encrypts the whole list.
    expect(gateway.secretPaths).toEqual([`envs[${envs.indexOf(entry)}]`, `envs[${envs.indexOf(upstreamKey)}]`]);
    expect(gateway.options.additionalSecretOutputs).toEqual(["envs"]);
    // The llama-servers get their key as a file, kept encrypted as the uploads.
    expect(containerNamed(p2, "inference-chat").options.additionalSecretOutputs).toEqual(["uploads"]);
    expect(p2.resources.some((r) => r.type === "random:index/randomPassword:RandomPassword" && /gatewayMasterKey/.test(r.name))).toBe(true);
  });

  it("uses the stack's master key when one is set", async () => {
    const withKey = await runStackFile("p2", {}, { gatewayMasterKey: "sk-from-config" });
    const envs = containerNamed(withKey, "api-gateway").inputs.envs as string[];
    expect(envs).toContain("LITELLM_MASTER_KEY=sk-from-config");
    // RAG reads it from a file, so docker inspect shows no value there.
    const ragUploads = containerNamed(withKey, "rag").inputs.uploads as { file: string; content: string }[];
    expect(ragUploads.find((u) => u.file === "/run/secrets/gateway-master-key")!.content).toBe("sk-from-config");
    expect((containerNamed(withKey, "rag").inputs.envs as string[]).join(" ")).not.toContain("sk-from-config");
    expect(withKey.resources.some((r) => r.type === "random:index/randomPassword:RandomPassword" && /gatewayMasterKey/.test(r.name))).toBe(
      false,
    );
  });

  it("keeps Qdrant's data on host paths under dataDir, with telemetry off", () => {
    const qdrant = containerNamed(p2, "qdrant").inputs;
    expect(qdrant.volumes).toEqual([
      { hostPath: "/mnt/e/ai-data/vectors/qdrant", containerPath: "/qdrant/storage", readOnly: false },
      { hostPath: "/mnt/e/ai-data/vectors/qdrant-snapshots", containerPath: "/qdrant/snapshots", readOnly: false },
    ]);
    expect(qdrant.envs).toContain("QDRANT__TELEMETRY_DISABLED=true");
    expect(qdrant.healthcheck.tests.slice(0, 3)).toEqual(["CMD", "bash", "-c"]);
    expect(qdrant.healthcheck.tests[3]).toContain("/readyz");
  });

  it("wires RAG to its dependencies by service name, with the reference's timeouts and retries", () => {
    const envs = new Set(containerNamed(p2, "rag").inputs.envs as string[]);
    for (const expected of [
      "QDRANT_URL=http://qdrant:6333",
      "EMBEDDING_URL=http://embedding:8003",
      "RAG_LLM_API_BASE=http://api-gateway:8000/v1",
      "LLM_REQUEST_TIMEOUT=60",
      "LLM_CONNECT_TIMEOUT=10",
      "RAG_LLM_TIMEOUT=120",
      "QDRANT_TIMEOUT=30",
      "EMBEDDING_TIMEOUT=30",
      "QDRANT_MAX_RETRIES=3",
      "QDRANT_RETRY_MIN_WAIT=2",
      "QDRANT_RETRY_MAX_WAIT=10",
    ])
      expect(envs.has(expected), expected).toBe(true);
  });

  it("builds RAG and embedding from this repository's services/ with a pinned local tag, nothing from a sibling checkout", () => {
    const images = p2.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage");
    for (const [service, dockerfile] of [
      ["rag", "rag/Dockerfile"],
      ["embedding", "embedding/Dockerfile"],
    ]) {
      const image = images.find((i) => i.inputs.name === `local-ai-suite/${service}:0.2.0`)!;
      expect(image.inputs.build).toMatchObject({ context: `${PROJECT_DIR}/services`, dockerfile });
    }
    expect(
      images
        .filter((i) => i.inputs.build)
        .map((i) => i.inputs.build.context)
        .filter((c: string) => !c.startsWith(PROJECT_DIR)),
    ).toEqual([]);
    for (const image of images) expect(image.inputs.keepLocally).toBe(true);
  });

  it("follows the component conventions: every container under a Service, under its group, under the suite", () => {
    const types = new Map(p2.resources.map((r) => [r.urn, r]));
    for (const c of containers(p2)) {
      const service = types.get(c.parent)!;
      expect(service.type).toBe("local-ai-suite:service:Service");
      expect(c.name).toBe(`${service.name}-container`);
      const group = types.get(service.parent)!;
      expect(group.type).toMatch(/^local-ai-suite:[a-z][a-z-]*:[A-Z][A-Za-z]+$/);
      expect(service.name.startsWith(`${group.name}-`)).toBe(true);
      expect(types.get(group.parent)!.type).toBe("local-ai-suite:stack:LocalAiSuite");
    }
    const groupTypes = new Set(p2.resources.filter((r) => !r.custom && r.type !== "local-ai-suite:service:Service").map((r) => r.type));
    expect(groupTypes).toEqual(
      new Set([
        "local-ai-suite:stack:LocalAiSuite",
        "local-ai-suite:inference:InferencePair",
        "local-ai-suite:gateway:Gateway",
        "local-ai-suite:vector-store:VectorStore",
        "local-ai-suite:rag:Rag",
        "local-ai-suite:healer:Healer",
      ]),
    );
    const network = p2.resources.find((r) => r.type === "docker:index/network:Network")!;
    expect(network.options.deleteBeforeReplace).toBe(true);
  });

  it("exports endpoints, container names and the GPU plan", () => {
    expect(p2.outputs.endpoints).toMatchObject({
      "api-gateway": "http://127.0.0.1:8000",
      "inference-chat": "http://127.0.0.1:8001",
      "inference-code": "http://127.0.0.1:8004",
      rag: "http://127.0.0.1:8002",
      embedding: "http://127.0.0.1:8003",
      qdrant: "http://127.0.0.1:6333",
      "qdrant-6334": "http://127.0.0.1:6334",
    });
    expect(p2.outputs.containers["api-gateway"]).toBe("api-gateway");
    const [gpu] = p2.outputs.gpuPlan;
    expect(gpu).toMatchObject({ gpu: "0", budgetMiB: 6141 - 400 });
    expect(gpu.containers.map((c: any) => c.service).sort()).toEqual(["inference-chat", "inference-code"]);
    expect(gpu.estimatedMiB).toBeLessThanOrEqual(gpu.budgetMiB);
    const sum = gpu.containers.reduce((acc: number, c: any) => acc + c.estimatedMiB, 0);
    expect(Math.abs(sum - gpu.estimatedMiB)).toBeLessThanOrEqual(2);
  });

  it("prefixes container names when asked, keeping the service names as DNS aliases", async () => {
    const prefixed = await runStackFile("p2", { containerPrefix: "p2-" });
    const chat = containerNamed(prefixed, "p2-inference-chat").inputs;
    expect(chat.networksAdvanced[0].aliases).toEqual(["inference-chat"]);
  });
});

describe("bad input fails before any resource is registered", () => {
  it("a config error names the key", async () => {
    const run = runProgram({
      stack: "p2",
      config: { ...stackFileConfig("p2"), "local-ai-suite:gateway": JSON.stringify({ hostPort: "x" }) },
    });
    await expect(run).rejects.toThrow(/local-ai-suite:gateway\.hostPort = "x"/);
  });

  it("two services on one host port", async () => {
    const run = runStackFile("p2", { rag: { hostPort: 8000 } });
    await expect(run).rejects.toThrow(/rag\.hostPort = 8000: host port 8000 is already used by gateway\.hostPort/);
  });

  it("a GPU plan over the budget names the server and its breakdown", async () => {
    const error = await runStackFile("p2", { inference: { code: { nGpuLayers: 999, ctxSize: 32768 } } }).catch((e) => e);
    // The program hands config problems to Pulumi as a RunError: printed as the message alone, no stack trace.
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/inference\.code\.nGpuLayers = 999/);
    expect(error.message).toMatch(/budget is 5741 MiB/);
    expect(error.message).toMatch(/weights .* KV .* compute .* overhead/);
  });

  it.each([
    ["a wrong type", { phase: "p9" }],
    ["an over-budget GPU plan", { inference: { chat: { ctxSize: 131072 } } }],
    ["a port clash", { qdrant: { grpcPort: 8001 } }],
  ])("registers nothing on %s", async (_what, overrides) => {
    const error = await runStackFile("p2", overrides).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.registered).toBe(0);
  });
});
