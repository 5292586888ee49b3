/** health-gated-ordering and startup-critical-path: mutations of the real stacks' dependency graph. */
import { beforeAll, describe, expect, it } from "vitest";
import { parseGoDuration } from "../../lib/durations";
import { referencesName } from "../../policies/support/talks-to";
import { runStackFile, type CapturedStack } from "../support/pulumi-harness";
import { container, copyStack, loadPackConfig, mandatory, ofPolicy, runPolicies, type PackConfig } from "./harness";

let p2: CapturedStack;
let p3: CapturedStack;
beforeAll(async () => {
  p2 = await runStackFile("p2");
  p3 = await runStackFile("p3");
});

async function messages(stack: CapturedStack, policy: string, config: PackConfig = loadPackConfig(stack.stack)): Promise<string[]> {
  return ofPolicy(mandatory(await runPolicies(stack, config, { only: [policy] })), policy).map((v) => v.message);
}

/** Removes `from`'s dependency on `to` (declared and property dependencies), as a PR dropping it from dependsOn would. */
function dropDependency(stack: CapturedStack, from: string, to: string): void {
  const target = container(stack, to).urn;
  const source = container(stack, from);
  source.dependencies = source.dependencies.filter((u) => u !== target);
  for (const k of Object.keys(source.propertyDependencies))
    source.propertyDependencies[k] = source.propertyDependencies[k]!.filter((u) => u !== target);
}

describe("health-gated-ordering", () => {
  it("a dropped dependency: RAG still talks to Qdrant", async () => {
    const mutated = copyStack(p2);
    dropDependency(mutated, "rag", "qdrant");
    expect(await messages(mutated, "health-gated-ordering")).toEqual([
      'container "rag" talks to qdrant (env QDRANT_URL=http://qdrant:6333) but does not depend on it, so it can start before qdrant is up. ' +
        'Fix: add "qdrant" to its ServiceSpec.dependsOn (the Service component turns that into dependsOn on the healthy container).',
    ]);
  });

  it("p3: the memory API without its embedding dependency", async () => {
    const mutated = copyStack(p3);
    dropDependency(mutated, "memory-api", "embedding");
    expect(await messages(mutated, "health-gated-ordering")).toEqual([
      expect.stringMatching(/^container "memory-api" talks to embedding \(env EMBEDDING_URL=http:\/\/embedding:8003\)/),
    ]);
  });

  it("a dependency that is not waited for", async () => {
    const mutated = copyStack(p2);
    container(mutated, "qdrant").inputs.wait = false;
    expect(await messages(mutated, "health-gated-ordering")).toEqual([
      expect.stringMatching(/^container "rag" depends on qdrant, which is not created with wait: true/),
    ]);
  });

  it("a dependency without a healthcheck", async () => {
    const mutated = copyStack(p2);
    delete container(mutated, "embedding").inputs.healthcheck;
    expect(await messages(mutated, "health-gated-ordering")).toEqual([
      expect.stringMatching(
        /^container "rag" depends on embedding, which has no real healthcheck, so Pulumi starts rag as soon as embedding exists/,
      ),
    ]);
  });

  it("a talk that closes a cycle (Qdrant calling RAG)", async () => {
    const mutated = copyStack(p2);
    container(mutated, "qdrant").inputs.envs.push("RAG_URL=http://rag:8002");
    const found = await messages(mutated, "health-gated-ordering");
    expect(found).toContainEqual(
      expect.stringMatching(/^container "qdrant" talks to rag \(env RAG_URL=http:\/\/rag:8002\) but does not depend on it/),
    );
    expect(found).toContainEqual(
      expect.stringMatching(
        /^Dependency cycle (qdrant -> rag -> qdrant|rag -> qdrant -> rag) \(declared dependencies plus who-talks-to-whom\)/,
      ),
    );
  });

  it("a declared cycle", async () => {
    const mutated = copyStack(p2);
    container(mutated, "inference-chat").dependencies.push(container(mutated, "rag").urn);
    expect(await messages(mutated, "health-gated-ordering")).toContainEqual(
      expect.stringMatching(/^Dependency cycle .*inference-chat.*rag|^Dependency cycle .*rag.*inference-chat/),
    );
  });

  it("recognises service references, not paths", () => {
    expect(referencesName("http://qdrant:6333", "qdrant")).toBe(true);
    expect(referencesName("http://user:pw@api-gateway:8000/v1", "api-gateway")).toBe(true);
    expect(referencesName("--target=qdrant:6334", "qdrant")).toBe(true);
    expect(referencesName("qdrant", "qdrant")).toBe(true);
    expect(referencesName("/etc/grafana/provisioning", "grafana")).toBe(false);
    expect(referencesName("/qdrant/storage", "qdrant")).toBe(false);
    expect(referencesName("http://qdrant-snapshots:1", "qdrant")).toBe(false);
    expect(referencesName("chat-7b", "chat")).toBe(false);
  });
});

/** Worst case to healthy for one captured container: start period plus one interval. */
function cost(stack: CapturedStack, name: string): number {
  const h = container(stack, name).inputs.healthcheck;
  return (parseGoDuration(h.startPeriod)! + parseGoDuration(h.interval)!) / 1000;
}

describe("startup-critical-path", () => {
  it("reports the longest health-gated chain of the real stack", async () => {
    const [report] = (await runPolicies(p2, loadPackConfig("p2"), { only: ["startup-critical-path-report"] })).map((v) => v.message);
    const total = cost(p2, "inference-chat") + cost(p2, "api-gateway") + cost(p2, "rag");
    expect(report).toBe(
      `Startup critical path (info): inference-chat (${cost(p2, "inference-chat")}s) -> api-gateway (${cost(p2, "api-gateway")}s) -> rag (${cost(p2, "rag")}s) = ${total}s.`,
    );
  });

  it("a slower model load pushes p2 over its bound", async () => {
    const mutated = copyStack(p2);
    container(mutated, "inference-code").inputs.healthcheck.startPeriod = "20m0s";
    const total = cost(mutated, "inference-code") + cost(mutated, "api-gateway") + cost(mutated, "rag");
    expect(await messages(mutated, "startup-critical-path")).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Worst-case startup is ${total}s, over the 1200s bound: inference-code \\(${cost(mutated, "inference-code")}s\\) -> api-gateway .* Fix: shorten the slowest step \\(inference-code`,
        ),
      ),
    ]);
  });

  it("the bound comes from the policy config", async () => {
    const config = loadPackConfig("p2");
    (config["startup-critical-path"] as { maxSec: number }).maxSec = 600;
    expect(await messages(p2, "startup-critical-path", config)).toEqual([expect.stringMatching(/over the 600s bound/)]);
  });

  it("is advisory in p3: an over-bound chain does not fail the preview", async () => {
    const mutated = copyStack(p3);
    container(mutated, "inference-code").inputs.healthcheck.startPeriod = "20m0s";
    const violations = ofPolicy(
      await runPolicies(mutated, loadPackConfig("p3"), { only: ["startup-critical-path"] }),
      "startup-critical-path",
    );
    expect(violations.map((v) => v.level)).toEqual(["advisory"]);
  });
});
