/** Auth every caller can use: each service states the keys it sends; a caller without the key its callee requires fails the plan. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/config/errors";
import { loadStackFile } from "../ops/stack-file";
import { stackOutputs } from "../lib/plan/outputs";
import { planStack } from "../lib/plan/stack-plan";
import { missingBuildContexts } from "../program/build-contexts";
import { REPO_LOCK } from "./support/model-lock";
import { PROJECT_DIR } from "./support/pulumi-harness";

const plan = (stack: string, sets: string[] = [], secrets = {}) =>
  planStack(loadStackFile(stack, PROJECT_DIR, sets), { stack, projectDir: PROJECT_DIR, lock: REPO_LOCK, secrets });
const problemsOf = (run: () => unknown) => {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
};

describe("keys each caller sends", () => {
  it("p2: our RAG sends the gateway key and the Qdrant key; the stack outputs say who sends what", async () => {
    const p2 = plan("p2", [], { qdrantApiKey: true });
    const rag = p2.services.find((s) => s.service === "rag")!;
    expect(rag.sendsKeys).toEqual(["gatewayMasterKey", "qdrantApiKey", "serviceToken"]);
    // Both keys as files RAG reads (RAG_LLM_API_KEY_FILE, QDRANT_API_KEY_FILE): no value in docker inspect.
    expect(rag.secretEnv).toEqual({});
    expect(rag.files.map((f) => [f.path, f.secret])).toEqual([
      ["/run/secrets/service-token", "serviceToken"],
      ["/run/secrets/gateway-master-key", "gatewayMasterKey"],
      ["/run/secrets/qdrant-api-key", "qdrantApiKey"],
    ]);
    expect(rag.env).toMatchObject({
      RAG_LLM_API_KEY_FILE: "/run/secrets/gateway-master-key",
      QDRANT_API_KEY_FILE: "/run/secrets/qdrant-api-key",
    });
    // The stack token goes as a file: RAG requires it of its callers and sends it to the embedding service.
    expect(rag.env).toMatchObject({ SERVICE_TOKEN_FILE: "/run/secrets/service-token", EMBEDDING_TOKEN_FILE: "/run/secrets/service-token" });
    expect(stackOutputs(p2).keysSent).toMatchObject({
      rag: ["gatewayMasterKey", "qdrantApiKey", "serviceToken"],
      embedding: ["inferenceApiKey"],
      "api-gateway": ["inferenceApiKey"],
    });
  });

  it("p2 with the reference RAG, which sends no key: refused, naming the caller, the key and the fix", async () => {
    const problems = problemsOf(() => plan("p2", ["rag.implementation=reference"]));
    const byKey = Object.fromEntries(problems.map((p) => [p.key, p]));
    expect(Object.keys(byKey).sort()).toEqual(["embedding.requireToken", "gateway.requireKey", "qdrant.requireKey"]);
    expect(byKey["embedding.requireToken"]).toMatchObject({
      allowed: expect.stringMatching(/^rag calls embedding, which requires serviceToken, but rag cannot send it/),
      fix: expect.stringContaining("pulumi config set --path 'embedding.requireToken' false"),
    });
    expect(byKey["qdrant.requireKey"]).toMatchObject({
      allowed: expect.stringMatching(/^rag calls qdrant, which requires qdrantApiKey, but rag cannot send it/),
      fix: expect.stringContaining("pulumi config set --path 'qdrant.requireKey' false"),
    });
    const problem = byKey["gateway.requireKey"];
    expect(problem).toMatchObject({
      allowed: expect.stringMatching(/^rag calls api-gateway, which requires gatewayMasterKey, but rag cannot send it/),
    });
    expect(problem!.fix).toContain("pulumi config set --path 'gateway.requireKey' false");
  });

  it("p3 as committed runs the reference MCP server with a gateway that requires no key", async () => {
    const p3 = plan("p3");
    const gateway = p3.services.find((s) => s.service === "api-gateway")!;
    expect(gateway.secretEnv).toEqual({ INFERENCE_API_KEY: "inferenceApiKey" }); // the llama-servers' key, not a master key
    expect(gateway.files[0]!.content).not.toContain("master_key");
    expect(p3.services.find((s) => s.service === "rag")!.secretEnv).toEqual({});
  });

  it("p3 with the gateway key required: the reference MCP server cannot send it", async () => {
    const problems = problemsOf(() => plan("p3", ["gateway.requireKey=true"]));
    expect(problems.map((p) => p.allowed)).toEqual([
      expect.stringMatching(/^mcp-server calls api-gateway, which requires gatewayMasterKey, but mcp-server cannot send it/),
    ]);
  });

  it("p3 with a Qdrant key: the reference memory services cannot send it", async () => {
    const problems = problemsOf(() => plan("p3", [], { qdrantApiKey: true }));
    expect(problems.map((p) => [p.key, p.allowed.split(",")[0]])).toEqual([
      ["qdrant.requireKey", "memory-api calls qdrant"],
      ["qdrant.requireKey", "memory-maintainer calls qdrant"],
    ]);
  });
});

describe("build contexts", () => {
  it("p2 builds only from this repository; p3's reference services need the sibling checkout", async () => {
    const exists = (file: string) => file.startsWith(PROJECT_DIR);
    expect(missingBuildContexts(plan("p2"), exists)).toEqual([]);
    expect(missingBuildContexts(plan("p3"), exists).map((m) => [m.service, m.configKey])).toEqual([
      ["mcp-server", "mcp.source"],
      ["memory-api", "memory.apiSource"],
    ]);
  });
});
