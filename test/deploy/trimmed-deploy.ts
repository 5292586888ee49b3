/**
 * A lane of its own on the deploy tests' Docker daemon: the e2e stack
 * (e2e-stack.ts: the real programs on small real models, CPU mode, unique
 * prefix, free ports, temporary data) trimmed to p2's services and shaped for
 * one purpose (faults-stack.ts, router-stack.ts). `pulumi up` and `destroy`
 * run with the policy pack as in deploy.test.ts, and `cleanup` removes
 * whatever carries the stack's label, also after a failure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../../lib/config/load";
import { STACK_LABEL } from "../../lib/plan/define-service";
import { planStack } from "../../lib/plan/stack-plan";
import { removeStackLeftovers } from "../support/docker-cli";
import {
  cleanup as removeProject,
  initStack,
  packArgs,
  REPO_DIR,
  runWithEvents,
  tempProject,
  writeStackFile,
  type EngineRun,
  type Project,
} from "../support/pulumi-cli";
import { ensureRealImages } from "../support/real-images";
import type { E2eStack } from "./e2e-stack";

export interface TrimmedDeploy {
  project: Project;
  e2e: E2eStack;
  /** Label filter of everything this stack made. */
  label: string;
  /** Container name of a service. */
  name(service: string): string;
  up(): Promise<EngineRun>;
  /** pulumi destroy, then whatever still carries the label (containers, networks, volumes), then the project dir. */
  cleanup(): Promise<string[]>;
}

/**
 * The e2e stack with monitoring, memory and MCP off, our own images under one
 * fixed tag (`ownBuildTag`, with a digit: the pack wants a version), then
 * `shape` applied to its raw config; it must plan exactly `services`.
 */
export function trimmedStack(
  e2e: E2eStack,
  ownBuildTag: string,
  services: readonly string[],
  shape: (raw: Record<string, any>) => void,
): E2eStack {
  const raw: Record<string, any> = Object.fromEntries(Object.entries(e2e.config).map(([k, v]) => [k.replace(/^local-ai-suite:/, ""), v]));
  raw.monitoring = { ...raw.monitoring, enabled: false };
  raw.memory = { ...raw.memory, enabled: false };
  raw.mcp = { ...raw.mcp, enabled: false };
  for (const service of ["rag", "embedding", "healer"]) {
    const source = raw[service].source as { build: { tag: string } };
    source.build = { ...source.build, tag: ownBuildTag };
  }
  shape(raw);
  const config = parseStackConfig(raw, "trimmed stack config");
  const plan = planStack(config, { stack: e2e.stack, projectDir: e2e.programDir, lock: e2e.lock });
  const planned = plan.services.map((s) => s.service).sort();
  if (planned.join() !== [...services].sort().join())
    throw new Error(`the trimmed stack plans ${planned.join(", ")}, not ${services.join(", ")}`);
  return { ...e2e, plan, stackConfig: config, config: Object.fromEntries(Object.entries(raw).map(([k, v]) => [`local-ai-suite:${k}`, v])) };
}

/** A throwaway project with the stack `stackOf` makes, its images built and the stack initialised; nothing deployed yet. */
export async function prepareTrimmedDeploy(name: string, stackOf: (work: string) => Promise<E2eStack>): Promise<TrimmedDeploy> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  let project: Project | undefined;
  let e2e: E2eStack | undefined;
  const label = () => `${STACK_LABEL}=${e2e?.stack ?? "none"}`;
  const cleanup = async (): Promise<string[]> => {
    const notes: string[] = [];
    if (e2e && project) {
      const destroy = await runWithEvents(project, ["destroy"], ["--stack", e2e.stack, "--yes"], { timeoutMs: 300_000 });
      if (destroy.code !== 0) notes.push(`pulumi destroy failed (${destroy.code}): ${destroy.output.slice(-800)}`);
      // The stack's volumes outlive a destroy by design (retainOnDelete); these are this run's own.
      const left = await removeStackLeftovers(e2e.stack);
      if (left.containers) notes.push(`removed ${left.containers} container(s) left after destroy`);
      notes.push(...left.failures);
    }
    if (project) removeProject(project);
    fs.rmSync(work, { recursive: true, force: true });
    return notes;
  };
  try {
    ensureRealImages();
    e2e = await stackOf(work);
    project = tempProject({ program: e2e.programDir, stacks: {} });
    // As in deploy.test.ts: the committed p3 policy config with one reviewed exception, since
    // the test models load in under a second: a 10 s start period for the model servers.
    const p3 = JSON.parse(fs.readFileSync(path.join(REPO_DIR, "policies", "config", "p3.json"), "utf8"));
    p3["container-healthchecks"].minModelStartPeriodSec = 10;
    const policyConfig = path.join(project.work, "policy-config.json");
    fs.writeFileSync(policyConfig, JSON.stringify(p3, null, 2));
    writeStackFile(project, e2e.stack, e2e.config);
    await initStack(project, e2e.stack);
    const stack = e2e;
    const engineProject = project;
    return {
      project,
      e2e: stack,
      label: label(),
      name: (service) => `${stack.prefix}${service}`,
      up: () =>
        runWithEvents(
          engineProject,
          ["up"],
          ["--stack", stack.stack, "--yes", "--skip-preview", ...packArgs(stack.stack, { config: policyConfig, dir: stack.packDir })],
          { timeoutMs: 900_000 },
        ),
      cleanup,
    };
  } catch (error) {
    await cleanup().catch(() => undefined);
    throw error;
  }
}
