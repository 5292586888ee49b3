/** `phase` selects the service set; the p3 sections' `enabled` flags can turn one off, never on in p2. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/config/errors";
import { parseStackConfig } from "../lib/config/load";
import { planStack } from "../lib/plan/stack-plan";
import { REPO_LOCK } from "./support/model-lock";
import { PROJECT_DIR } from "./support/pulumi-harness";

const P3_DIRS = { mcp: { workspaceDir: "/srv/repo" }, memory: { scriptsDir: "/srv/repo/scripts" } };
const services = (raw: Record<string, unknown>) =>
  planStack(parseStackConfig(raw), { stack: "t", projectDir: PROJECT_DIR, lock: REPO_LOCK, secrets: {} })
    .services.map((s) => s.service)
    .sort();
/** The healer (with its Docker API proxy) is no phase's: it runs in both unless `healer.enabled` is false. */
const P2 = [
  "api-gateway",
  "docker-api-proxy",
  "embedding",
  "embedding-server",
  "healer",
  "inference-chat",
  "inference-code",
  "qdrant",
  "rag",
];
const MCP = ["mcp-server"];
const MEMORY = ["memory-api", "memory-maintainer"];
const MONITORING = ["alertmanager", "alloy", "cadvisor", "dcgm-exporter", "grafana", "loki", "node-exporter", "prometheus"];
const sorted = (...lists: string[][]) => lists.flat().sort();

function problemsOf(raw: Record<string, unknown>) {
  try {
    parseStackConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("accepted");
}

describe("phase", () => {
  it("p2 (the default) deploys the inference pair, the gateway, Qdrant, embedding and RAG", () => {
    expect(services({})).toEqual(P2);
    expect(services({ phase: "p2" })).toEqual(P2);
    expect(services({ healer: { enabled: false } })).toEqual(P2.filter((s) => s !== "healer" && s !== "docker-api-proxy"));
  });

  it("p3 adds MCP, memory and monitoring without a word about them (the gateway then needs no key for the reference MCP server)", () => {
    expect(
      services({
        phase: "p3",
        gateway: { requireKey: false },
        rag: { requireToken: false },
        embedding: { requireToken: false },
        ...P3_DIRS,
      }),
    ).toEqual(sorted(P2, MCP, MEMORY, MONITORING));
  });

  it("in p3 a section's enabled: false leaves it out", () => {
    expect(
      services({
        phase: "p3",
        ...P3_DIRS,
        gateway: { requireKey: false },
        rag: { requireToken: false },
        embedding: { requireToken: false },
        monitoring: { enabled: false },
      }),
    ).toEqual(sorted(P2, MCP, MEMORY));
    expect(services({ phase: "p3", mcp: { enabled: false }, memory: { enabled: false } })).toEqual(sorted(P2, MONITORING));
  });

  it("p3 needs what its sections need (the MCP workspace, the memory scripts), naming both", () => {
    const problems = problemsOf({ phase: "p3" });
    expect(problems.map((p) => p.key).sort()).toEqual(["mcp.workspaceDir", "memory.scriptsDir"]);
    expect(problems.find((p) => p.key === "mcp.workspaceDir")!.allowed).toContain("as it is by default in phase p3");
  });

  it("p2 cannot turn a p3 section on: a config error naming the key and the fix", () => {
    const [problem, ...rest] = problemsOf({ phase: "p2", monitoring: { enabled: true } });
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ key: "monitoring.enabled", value: true });
    expect(problem!.allowed).toBe(
      'turns on a p3 section, but phase is "p2" (p2 deploys the two llama.cpp servers, the gateway, Qdrant, embedding and RAG only)',
    );
    expect(problem!.fix).toMatch(/^pulumi config set phase p3 /);
    expect(problemsOf({ mcp: { enabled: true, workspaceDir: "/srv" } }).map((p) => p.key)).toEqual(["mcp.enabled"]);
  });

  it("the committed stacks say what they deploy by their phase", () => {
    expect(parseStackConfig({ phase: "p3", ...P3_DIRS })).toMatchObject({
      mcp: { enabled: true },
      memory: { enabled: true },
      monitoring: { enabled: true },
    });
    expect(parseStackConfig({})).toMatchObject({ mcp: { enabled: false }, memory: { enabled: false }, monitoring: { enabled: false } });
  });
});
