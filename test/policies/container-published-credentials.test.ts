/** container-published-credentials: every published port asks for a credential, or its service is allowlisted with a reason. */
import { beforeAll, describe, expect, it } from "vitest";
import { runStackFile, type CapturedStack } from "../support/pulumi-harness";
import { container, copyStack, loadPackConfig, mandatory, ofPolicy, runPolicies } from "./harness";

const POLICY = "container-published-credentials";
let p2: CapturedStack;

beforeAll(async () => {
  p2 = await runStackFile("p2");
});

async function found(stack: CapturedStack, config = loadPackConfig("p2")): Promise<string[]> {
  return ofPolicy(mandatory(await runPolicies(stack, config, { only: [POLICY] })), POLICY).map((v) => v.message);
}

describe("container-published-credentials", () => {
  it("passes p2: the llama-servers ask for their key, the gateway for its master key, RAG and the embedding service for the stack token, Qdrant for its generated key", async () => {
    expect((loadPackConfig("p2")[POLICY] as { allow: Record<string, string> }).allow).toEqual({});
    expect(await found(p2)).toEqual([]);
    // On a first preview the generated key is unknown, file and all: its generator says what the upload is.
    const qdrant = container(p2, "qdrant");
    expect(qdrant.propertyDependencies.uploads!.some((urn) => urn.endsWith("::suite-qdrantApiKey"))).toBe(true);
  });

  it("refuses a llama-server whose --api-key-file was dropped", async () => {
    const mutated = copyStack(p2);
    const argv = container(mutated, "inference-code").inputs.command as string[];
    argv.splice(argv.indexOf("--api-key-file"), 2);
    expect(await found(mutated)).toEqual([
      expect.stringMatching(
        /^container "inference-code" publishes 127\.0\.0\.1:8004 -> 8001 with no credential: any local user or process/,
      ),
    ]);
  });

  it("refuses a gateway whose config lost its master key", async () => {
    const mutated = copyStack(p2);
    const upload = container(mutated, "api-gateway").inputs.uploads[0] as { content: string };
    upload.content = upload.content.replace(/^\s*master_key:.*$/m, "");
    expect(await found(mutated)).toEqual([expect.stringMatching(/^container "api-gateway" publishes 127\.0\.0\.1:8000/)]);
  });

  it("takes no allowlist entry without a reason, and none for a service the stack does not allowlist", async () => {
    const open = await runStackFile("p2", { qdrant: { requireKey: false } });
    const config = loadPackConfig("p2");
    const allow = (config[POLICY] as { allow: Record<string, string> }).allow;
    allow.qdrant = "";
    const messages = await found(open, config);
    expect(messages).toEqual([expect.stringMatching(/^container "qdrant" publishes .* Its allowlist entry has no real reason \(""\)/)]);
    delete allow.qdrant;
    expect(await found(open, config)).toEqual([
      expect.stringMatching(/^container "qdrant" publishes 127\.0\.0\.1:6333 -> 6333, 127\.0\.0\.1:6334 -> 6334 with no credential/),
    ]);
    allow.qdrant = "a reason a reviewer reads";
    expect(await found(open, config)).toEqual([]);
  });

  it("refuses our RAG once its stack token is dropped", async () => {
    const mutated = copyStack(p2);
    const rag = container(mutated, "rag").inputs;
    rag.envs = (rag.envs as string[]).filter((e) => !e.startsWith("SERVICE_TOKEN_FILE="));
    expect(await found(mutated)).toEqual([
      expect.stringMatching(/^container "rag" publishes 127\.0\.0\.1:8002 -> 8002 with no credential/),
    ]);
  });
});
