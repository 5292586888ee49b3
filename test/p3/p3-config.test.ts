/** Bad p3 config fails with the key, the value, what is allowed and the fix. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/errors";
import { p3Config } from "./plan-p3";

function problemsOf(overrides: Record<string, unknown>) {
  try {
    p3Config(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("config was accepted");
}

describe("p3 config errors", () => {
  it("requires a workspace for the MCP server (the host root is never mounted)", () => {
    const [problem] = problemsOf({ mcp: { workspaceDir: undefined } });
    expect(problem.key).toBe("mcp.workspaceDir");
    expect(problem.allowed).toMatch(/required when mcp.enabled/);
    expect(problem.fix).toContain("mcp.workspaceDir");
  });

  it("requires the docker socket's group when model switching is on", () => {
    const [problem] = problemsOf({ mcp: { modelSwitch: true } });
    expect(problem.key).toBe("mcp.dockerGroupId");
    expect(problem.allowed).toMatch(/stat -c %g/);
  });

  it("requires the reference's scripts directory for the memory services", () => {
    const [problem] = problemsOf({ memory: { scriptsDir: undefined } });
    expect(problem.key).toBe("memory.scriptsDir");
  });

  it("rejects a floating monitoring image tag, naming the key and the value", () => {
    const [problem] = problemsOf({ monitoring: { grafana: { image: "grafana/grafana:latest" } } });
    expect(problem.key).toBe("monitoring.grafana.image");
    expect(problem.value).toBe("grafana/grafana:latest");
    expect(problem.allowed).toMatch(/pinned/);
    expect(problem.fix).toContain("monitoring.grafana.image");
  });

  it("rejects a webhook that is not an http(s) URL, and a GPU alert fraction above 1", () => {
    const problems = problemsOf({ monitoring: { alertmanager: { webhookUrl: "ftp://x" }, alerts: { gpuMemoryBudgetFraction: 1.5 } } });
    expect(problems.map((p) => p.key).sort()).toEqual(["monitoring.alertmanager.webhookUrl", "monitoring.alerts.gpuMemoryBudgetFraction"]);
  });

  it("suggests the right key for a typo", () => {
    const [problem] = problemsOf({ monitoring: { retentionDayz: 3 } });
    expect(problem.key).toBe("monitoring.retentionDayz");
    expect(problem.allowed).toMatch(/unknown key/);
  });

  it("accepts the committed Pulumi.p3.yaml with mcp, memory and monitoring on", () => {
    const config = p3Config();
    expect([config.phase, config.mcp.enabled, config.memory.enabled, config.monitoring.enabled]).toEqual(["p3", true, true, true]);
  });
});
