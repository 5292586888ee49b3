import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { ConfigError } from "../lib/config/errors";
import { defaultStackConfig, parseStackConfig, rawFromPulumiConfig } from "../lib/config/load";
import { loadStackFile, rawFromStackFile } from "../ops/stack-file";
import { PROJECT_DIR } from "./support/pulumi-harness";

function problemsOf(raw: Record<string, unknown>) {
  try {
    parseStackConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("stack config", () => {
  it("defaults to the reference's measured p2 settings", () => {
    const config = defaultStackConfig();
    expect(config.inference.chat).toMatchObject({
      model: "Qwen2.5-3B-Instruct-Q4_K_M.gguf",
      nGpuLayers: 999,
      ctxSize: 1024,
      batchSize: 128,
      hostPort: 8001,
    });
    expect(config.inference.code).toMatchObject({
      model: "qwen2.5-coder-7b-instruct-q4_k_m.gguf",
      nGpuLayers: 20,
      ctxSize: 1024,
      hostPort: 8004,
    });
    expect(config.gpus).toEqual([{ id: "0", name: "NVIDIA GeForce RTX 4050 Laptop GPU", totalMiB: 6141, reserveMiB: 400 }]);
    expect(config.bindAddress).toBe("127.0.0.1");
    expect(config.timeouts).toEqual({ llmRequest: 60, llmConnect: 10, ragLlm: 120, qdrant: 30, embedding: 30 });
    expect(config.retries).toEqual({ qdrantMax: 3, qdrantMinWait: 2, qdrantMaxWait: 10 });
  });

  it.each(["p2", "p3"])("Pulumi.%s.yaml validates", (stack) => {
    const config = loadStackFile(stack, PROJECT_DIR);
    expect(config.phase).toBe(stack);
  });

  it("fails on a wrong-typed value for every top-level key of Pulumi.p2.yaml, naming the key", () => {
    const raw = rawFromStackFile(path.join(PROJECT_DIR, "Pulumi.p2.yaml"));
    const schemaKeys = Object.keys(defaultStackConfig());
    for (const key of schemaKeys) {
      const wrong = typeof (defaultStackConfig() as Record<string, unknown>)[key] === "number" ? "not-a-number" : 12345;
      const problems = problemsOf({ ...raw, [key]: wrong });
      expect(
        problems.map((p) => p.key),
        key,
      ).toContain(key);
      const problem = problems.find((p) => p.key === key)!;
      expect(problem.value).toEqual(wrong);
      expect(problem.allowed.length).toBeGreaterThan(5);
      expect(problem.fix).toMatch(/pulumi config set|edit Pulumi/);
    }
  });

  it("rejects unknown keys at any depth and suggests the closest one", () => {
    const [top] = problemsOf({ gatway: { hostPort: 8000 } });
    expect(top).toMatchObject({ key: "gatway", fix: expect.stringContaining("gateway") });
    const [nested] = problemsOf({ inference: { chat: { nGpuLayer: 10 } } });
    expect(nested.key).toBe("inference.chat.nGpuLayer");
    expect(nested.fix).toContain("inference.chat.nGpuLayers");
    expect(nested.allowed).toContain("unknown key");
  });

  it("spells an odd key the way `pulumi config --path` reads it, and quotes it for the shell", () => {
    const [dotted] = problemsOf({ gateway: { "host.Port": 8000 } });
    expect(dotted.key).toBe('gateway["host.Port"]');
    const [empty] = problemsOf({ gateway: { "": 1 } });
    expect(empty).toMatchObject({ key: 'gateway[""]', fix: `remove it: pulumi config rm --path 'gateway[""]'` });
    const [quoted] = problemsOf({ qdrant: { "it's": 1 } });
    expect(quoted.fix).toBe(`remove it: pulumi config rm --path 'qdrant.it'\\''s'`);
  });

  it.each([
    [{ gateway: { hostPort: "eighty" } }, "gateway.hostPort", /expected number/, /config set --path 'gateway.hostPort' 8000/],
    [{ gateway: { hostPort: 70000 } }, "gateway.hostPort", /65535/, /8000/],
    [{ inference: { code: { nGpuLayers: "all" } } }, "inference.code.nGpuLayers", /auto/, /nGpuLayers' 20/],
    [{ bindAddress: "::" }, "bindAddress", /IPv4/, /127\.0\.0\.1/],
    [{ phase: "p4" }, "phase", /"p2", "p3"/, /phase/],
    [{ qdrant: { image: "qdrant/qdrant:latest" } }, "qdrant.image", /pinned.*latest/, /qdrant\/qdrant:v/],
    [{ inference: { chat: { image: "x" } } }, "inference.chat.image", /unknown key/, /remove it|rename/],
    [{ inference: { image: "ghcr.io/ggml-org/llama.cpp:server-cuda" } }, "inference.image", /rolling/, /server-cuda-b\d+/],
    [{ inference: { chat: { gpu: "1" } } }, "inference.chat.gpu", /only "0"/, /"0"/],
    [{ inference: { chat: { ubatchSize: 512 } } }, "inference.chat.ubatchSize", /batchSize \(128\)/, /ubatchSize/],
    [{ inference: { code: { cacheTypeV: "q8_0" } } }, "inference.code.cacheTypeV", /flashAttn/, /cacheTypeV/],
    [{ gpus: [{ id: "0", totalMiB: 6141, reserveMiB: 7000 }] }, "gpus[0].reserveMiB", /smaller than totalMiB/, /reserveMiB/],
    [{ paths: { modelsDir: "models" } }, "paths.modelsDir", /absolute/, /\/mnt\/e\/ai-models/],
    [{ rag: { chunkOverlap: 600 } }, "rag.chunkOverlap", /smaller than chunkSize/, /chunkOverlap/],
    [{ rag: { source: {} } }, "rag.source", /exactly one of `image`/, /rag.source/],
    [{ embedding: { source: { image: "my/embedding" } } }, "embedding.source.image", /no tag/, /embedding.source.image/],
    [{ timeouts: { llmConnect: 90 } }, "timeouts.llmConnect", /shorter than llmRequest/, /llmConnect/],
    [{ gateway: { healthCheck: { intervalSec: 2.5 } } }, "gateway.healthCheck.intervalSec", /expected int/, /intervalSec' 3/],
    [{ gateway: { healthCheck: { intervalSec: 0 } } }, "gateway.healthCheck.intervalSec", />=\s*1/, /intervalSec' 3/],
    [{ gateway: { healthCheck: { timeoutSec: 0 } } }, "gateway.healthCheck.timeoutSec", /0/, /timeoutSec' 5/],
    [{ gateway: { healthCheck: { everySec: 3 } } }, "gateway.healthCheck.everySec", /unknown key/, /remove it|rename/],
  ])("explains %j", (raw, key, allowed, fix) => {
    const problem = problemsOf(raw).find((p) => p.key === key);
    expect(problem, `problems: ${JSON.stringify(problemsOf(raw))}`).toBeDefined();
    expect(problem!.allowed).toMatch(allowed);
    expect(problem!.fix).toMatch(fix);
  });

  it("reports every problem at once, in the message too", () => {
    try {
      parseStackConfig({ phase: "p9", bindAddress: "localhost", gateway: { hostPort: 0 } });
      throw new Error("accepted");
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("3 problems");
      expect(message).toContain('local-ai-suite:phase = "p9"');
      expect(message).toContain('local-ai-suite:bindAddress = "localhost"');
      expect(message).toContain("local-ai-suite:gateway.hostPort = 0");
    }
  });

  it("decodes Pulumi's string-encoded config and leaves secrets out of the schema", () => {
    const raw = rawFromPulumiConfig({
      "local-ai-suite:phase": "p2",
      "local-ai-suite:inference": JSON.stringify({ chat: { ctxSize: 2048 } }),
      "local-ai-suite:gatewayMasterKey": "sk-secret",
      "docker:host": "unix:///var/run/docker.sock",
    });
    expect(raw).toEqual({ phase: "p2", inference: { chat: { ctxSize: 2048 } } });
    expect(parseStackConfig(raw).inference.chat.ctxSize).toBe(2048);
  });

  it("reads a stack file the same way the program does", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
    const file = path.join(dir, "Pulumi.x.yaml");
    const doc = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.p2.yaml"), "utf8"));
    doc.config["local-ai-suite:gateway"] = { hostPort: 18000 };
    doc.config["local-ai-suite:gatewayMasterKey"] = { secure: "v1:abc" };
    fs.writeFileSync(file, stringify(doc));
    const raw = rawFromStackFile(file);
    expect(raw).not.toHaveProperty("gatewayMasterKey");
    expect(parseStackConfig(raw).gateway.hostPort).toBe(18000);
  });
});
