/**
 * `pulumi preview` of the committed stacks with the policy pack, by the real
 * engine, on an empty state (the first deploy, or a PR's preview without the
 * GPU host's state): it passes, and every mandatory policy reaches a verdict.
 */
import * as path from "node:path";
import * as fs from "node:fs";
import { parse as parseYaml } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, diagnostics, initStack, policyEvents, preview, REPO_DIR, tempProject, type Project } from "../support/pulumi-cli";

const projects: Project[] = [];
afterAll(() => projects.forEach(cleanup));

async function freshStack(stack: string, config?: Record<string, unknown>): Promise<Project> {
  const project = tempProject({ stacks: { [stack]: config ?? path.join(REPO_DIR, `Pulumi.${stack}.yaml`) } });
  projects.push(project);
  await initStack(project, stack);
  return project;
}

describe.each(["p2", "p2-router", "p3"] as const)("pulumi preview --stack %s with the pack", (stack) => {
  it("passes, with no mandatory violation and no policy that could not run", async () => {
    const run = await preview(await freshStack(stack), { stack, pack: true });
    expect(run.code, run.output).toBe(0);
    const events = policyEvents(run);
    // The policy section as a reviewer reads it (the session note quotes it).
    console.log(
      `${stack} policy events:\n${events.map((e) => `  [${e.enforcementLevel}] ${e.policyName}: ${e.message.trim().split("\n").pop()}`).join("\n")}`,
    );
    expect(events.filter((e) => e.enforcementLevel === "mandatory")).toEqual([]);
    expect(events.filter((e) => /can't run policy/.test(e.message))).toEqual([]);
    expect(events.map((e) => e.policyName)).toEqual(["startup-critical-path-report"]);
    expect(diagnostics(run).filter((d) => d.severity === "error")).toEqual([]);
    // The GPU plan's outputs as the preview shows them; a router's worst set against the budget.
    expect(run.output).toMatch(/budgetMiB\s*:\s*5741/);
    if (stack === "p2-router") expect(run.output).toMatch(/worstMiB\s*:\s*4855\.8/);
  }, 120_000);
});

describe("a bad config value", () => {
  it("gives the clean block (key, value, allowed, fix) and no stack trace", async () => {
    const config = (parseYaml(fs.readFileSync(path.join(REPO_DIR, "Pulumi.p2.yaml"), "utf8")) as { config: Record<string, unknown> })
      .config;
    const project = await freshStack("p2", { ...config, "local-ai-suite:gateway": { hostPort: "eighty" } });
    const run = await preview(project, { stack: "p2", pack: true });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(
      [
        `error: Invalid config of stack "p2" (1 problem):`,
        `      - local-ai-suite:gateway.hostPort = "eighty": expected number, got string`,
        `          fix: pulumi config set --path 'gateway.hostPort' 8000`,
      ].join("\n"),
    );
    expect(run.output).not.toMatch(/unhandled exception|ConfigError|\n\s+at .*\.ts:\d+|problems:/);
  }, 120_000);
});
