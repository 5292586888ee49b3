/** container-secrets: weak or leaked secrets, through the real program where it can produce them, else by mutation. */
import { beforeAll, describe, expect, it } from "vitest";
import { runStackFile, type CapturedStack } from "../support/pulumi-harness";
import { container, copyStack, loadPackConfig, mandatory, ofPolicy, runPolicies } from "./harness";

const POLICY = "container-secrets";
/** A key set with `pulumi config set --secret`: known at preview, unlike a generated one. */
const STRONG_KEY = `sk-${"Q7r".repeat(12)}PPxx`;
/** The llama-servers' key, set so that no generated (unknown at preview) value is involved. */
const INFERENCE_KEY = "Zk4".repeat(14);
/** Qdrant's key (p2 requires one), set for the same reason. */
const QDRANT_KEY = "Qd7".repeat(14);
let p2: CapturedStack;
let p3: CapturedStack;
beforeAll(async () => {
  p2 = await runStackFile("p2");
  p3 = await runStackFile("p3");
});

async function secretViolations(stack: CapturedStack): Promise<string[]> {
  return ofPolicy(mandatory(await runPolicies(stack, loadPackConfig(stack.stack), { only: [POLICY] })), POLICY).map((v) => v.message);
}

function mutate(base: CapturedStack, change: (s: CapturedStack) => void): CapturedStack {
  const copy = copyStack(base);
  change(copy);
  return copy;
}

describe("container-secrets", () => {
  it("a well-known master key set in the stack config reaches the gateway and RAG", async () => {
    const weak = await runStackFile("p2", {}, { gatewayMasterKey: "sk-1234", inferenceApiKey: INFERENCE_KEY, qdrantApiKey: QDRANT_KEY });
    const found = await secretViolations(weak);
    expect(found).toContainEqual(
      expect.stringMatching(
        /^container "api-gateway": secret LITELLM_MASTER_KEY is weak: "sk-1234" is a well-known default\. Fix: pulumi config set --secret/,
      ),
    );
    // RAG reads the same key from a file now: the gateway's report names it once.
    expect(found.filter((m) => m.startsWith('container "rag"'))).toEqual([]);
  });

  it("a short Qdrant API key", async () => {
    const short = await runStackFile("p2", {}, { qdrantApiKey: "qdrant-key", qdrantReadOnlyKey: QDRANT_KEY });
    expect(await secretViolations(short)).toContainEqual(
      expect.stringMatching(
        /^container "qdrant": secret QDRANT__SERVICE__API_KEY \(in \/qdrant\/config\/local\.yaml\) is weak: it is only 10 characters \(minimum 16\)/,
      ),
    );
  });

  it("p3: Grafana's admin/admin (as in the reference)", async () => {
    const found = await secretViolations(await runStackFile("p3", {}, { grafanaAdminPassword: "admin" }));
    expect(found).toContainEqual(
      expect.stringMatching(
        /^container "grafana": secret GF_SECURITY_ADMIN_PASSWORD \(file \/run\/secrets\/grafana-admin-password\) is weak: "admin" is a well-known default/,
      ),
    );
  });

  it("a secret in env where the image reads it from a file (Grafana's __FILE, our services' _FILE)", async () => {
    const mutated = mutate(p3, (s) => {
      const grafana = container(s, "grafana").inputs;
      grafana.envs = [
        ...(grafana.envs as string[]).filter((e) => !e.includes("__FILE=")),
        "GF_SECURITY_ADMIN_PASSWORD=Zq8Zq8Zq8Zq8Zq8Zq8Zq8",
      ];
      const rag = container(s, "rag").inputs;
      rag.envs = [...(rag.envs as string[]), `QDRANT_API_KEY=${QDRANT_KEY}`];
    });
    const found = await secretViolations(mutated);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^container "grafana" passes secret GF_SECURITY_ADMIN_PASSWORD in env, where its image reads it from a file \(GF_SECURITY_ADMIN_PASSWORD__FILE\)/,
        ),
        expect.stringMatching(
          /^container "rag" passes secret QDRANT_API_KEY in env, where its image reads it from a file \(QDRANT_API_KEY_FILE\)/,
        ),
      ]),
    );
    // As planned, neither: both read files.
    expect((await secretViolations(p3)).filter((m) => m.includes("reads it from a file"))).toEqual([]);
  });

  it("Qdrant's key in env, where Qdrant reads it from its config file (as the plan ships it)", async () => {
    const keyed = await runStackFile("p2", {}, { qdrantApiKey: QDRANT_KEY, qdrantReadOnlyKey: `${QDRANT_KEY}-ro` });
    const mutated = mutate(keyed, (s) => {
      const qdrant = container(s, "qdrant");
      qdrant.inputs.envs = [...(qdrant.inputs.envs as string[]), `QDRANT__SERVICE__API_KEY=${QDRANT_KEY}`];
      qdrant.options.additionalSecretOutputs = [...(qdrant.options.additionalSecretOutputs ?? []), "envs"];
    });
    expect(await secretViolations(mutated)).toEqual([
      expect.stringMatching(
        /^container "qdrant" passes secret QDRANT__SERVICE__API_KEY in env, where its image reads it from its config file \/qdrant\/config\/local\.yaml/,
      ),
    ]);
    expect(await secretViolations(keyed)).toEqual([]);
  });

  it("a secret env var on a container whose envs is not a secret output", async () => {
    const configured = await runStackFile("p2", {}, { gatewayMasterKey: STRONG_KEY, inferenceApiKey: INFERENCE_KEY });
    const found = await secretViolations(mutate(configured, (s) => (container(s, "api-gateway").options.additionalSecretOutputs = [])));
    expect(found).toEqual([
      expect.stringMatching(
        /^container "api-gateway" passes secret LITELLM_MASTER_KEY in envs, but envs is not an additional secret output/,
      ),
      expect.stringMatching(
        /^container "api-gateway" passes secret INFERENCE_API_KEY in envs, but envs is not an additional secret output/,
      ),
    ]);
  });

  it("a generated key (unknown at preview) on a container whose envs is not a secret output", async () => {
    const found = await secretViolations(mutate(p2, (s) => (container(s, "api-gateway").options.additionalSecretOutputs = [])));
    expect(found).toEqual([
      expect.stringMatching(/^container "api-gateway" passes a generated password in envs, but envs is not an additional secret output/),
    ]);
  });

  it("a secret env var added as plain config to a container without secrets", async () => {
    const found = await secretViolations(mutate(p3, (s) => container(s, "mcp-server").inputs.envs.push("MCP_API_KEY=approval-admin-001")));
    expect(found).toEqual([
      expect.stringMatching(/^container "mcp-server" passes secret MCP_API_KEY in envs, but envs is not an additional secret output/),
      expect.stringMatching(/^container "mcp-server": secret MCP_API_KEY is weak: "approval-admin-001" is a well-known default/),
    ]);
  });

  it("the master key written into LiteLLM's YAML instead of os.environ/", async () => {
    const configured = await runStackFile("p2", {}, { gatewayMasterKey: STRONG_KEY, inferenceApiKey: INFERENCE_KEY });
    const stack = mutate(configured, (s) => {
      const gateway = container(s, "api-gateway").inputs;
      const key = (gateway.envs as string[]).find((e) => e.startsWith("LITELLM_MASTER_KEY="))!.split("=")[1]!;
      const upload = (gateway.uploads as { file: string; content: string }[]).find((u) => u.file === "/app/config.yaml")!;
      upload.content = upload.content.replace("os.environ/LITELLM_MASTER_KEY", key);
    });
    const found = await secretViolations(stack);
    expect(found).toContainEqual(
      expect.stringMatching(
        /^container "api-gateway": the value of secret LITELLM_MASTER_KEY \(sk-\*\*\*xx \(43 chars\)\) also appears in upload \/app\/config\.yaml/,
      ),
    );
    expect(found).toContainEqual(
      expect.stringMatching(
        /^container "api-gateway": uploaded file \/app\/config\.yaml holds a secret literal at line \d+ \(master_key: sk-\*\*\*/,
      ),
    );
  });

  it("an sk- key literal in an uploaded file of a container with no secret env", async () => {
    const found = await secretViolations(
      mutate(p3, (s) => (container(s, "prometheus").inputs.uploads[0].content += "\n# token for later: sk-abcdefghijklmnopqrstuvwx\n")),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /^container "prometheus": uploaded file \/etc\/prometheus\/prometheus\.yml holds a secret literal at line \d+ \(sk-\*\*\*wx/,
      ),
    ]);
  });

  it("a secret passed on the command line", async () => {
    const found = await secretViolations(
      mutate(p2, (s) => container(s, "api-gateway").inputs.command.push("--master-key", "sk-0123456789abcdefghij")),
    );
    expect(found).toContainEqual(
      expect.stringMatching(/^container "api-gateway" passes a secret on the command line \(--master-key sk-\*\*\*ij \(23 chars\)\)/),
    );
  });

  it("LiteLLM's documented placeholder for a keyless upstream is not a secret", async () => {
    // The plan sends the llama-servers' key (os.environ/INFERENCE_API_KEY); a config written for keyless upstreams uses the placeholder.
    const keyless = mutate(p2, (s) => {
      const upload = container(s, "api-gateway").inputs.uploads[0] as { content: string };
      expect(upload.content).toContain("api_key: os.environ/INFERENCE_API_KEY");
      upload.content = upload.content.replaceAll("os.environ/INFERENCE_API_KEY", "sk-no-key-required");
    });
    expect(ofPolicy(await runPolicies(keyless, loadPackConfig("p2"), { only: [POLICY] }), POLICY)).toEqual([]);
    const config = loadPackConfig("p2");
    (config[POLICY] as { placeholderValues: string[] }).placeholderValues = [];
    const found = ofPolicy(await runPolicies(keyless, config, { only: [POLICY] }), POLICY);
    expect(found.map((v) => v.message)).toContainEqual(expect.stringMatching(/api_key: sk-\*\*\*ed/));
  });
});
