/**
 * Plans one stack with a source tree's own code and config (the base commit's
 * in a temporary worktree, or this working tree): its stack file, its model
 * lock, its lib/plan. No state, no secrets (a secret's ciphertext is read for
 * its version only), no Docker, no model files. A
 * refusal (a config or model-lock problem) is part of the outcome.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { OLDEST_ENGINE_API } from "../../lib/docker/engine-api";
import type { StackPlan } from "../../lib/plan/stack-plan";
import type { PlanOutcome } from "../../lib/review/review";
import { secretVersions } from "../../lib/review/secret-versions";
import { withSourceDigests } from "../../program/build-contexts";
import { parse as parseYaml } from "yaml";

/** What a tree's code is asked to plan with, where the real program would ask the engine or the stack. */
export const REVIEW_ASSUMPTIONS = {
  /** `docker.engineApiVersion: auto` asks the engine; the review cannot, so it plans for the engine the README supports. */
  engineApiVersion: OLDEST_ENGINE_API,
};

export async function planTree(dir: string, stack: string): Promise<PlanOutcome> {
  const load = (rel: string) => import(pathToFileURL(path.join(dir, rel)).href);
  const [{ loadStackFile }, { planStack }, { readProgramModelLock }, kubernetes] = await Promise.all([
    load("ops/stack-file.ts"),
    load("lib/plan/stack-plan.ts"),
    load("program/model-lock.ts"),
    load("lib/kubernetes/plan.ts"),
  ]);
  try {
    const config = loadStackFile(stack, dir);
    // Which secrets the stack file sets (a set Qdrant key changes the plan), and their ciphertexts' versions.
    const secrets = secretVersions(parseYaml(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")));
    const options = {
      stack,
      projectDir: dir,
      lock: readProgramModelLock(dir),
      secrets: { qdrantApiKey: secrets.qdrantApiKey !== undefined },
      detectedEngineApiVersion: REVIEW_ASSUMPTIONS.engineApiVersion,
    };
    if (config.target !== "kubernetes")
      return { plan: relativeContexts(withSourceDigests(planStack(config, options)), dir), config, secrets };
    // What index.ts does on the Kubernetes target: the plan for a kubelet, then the objects' plan.
    const planned = kubernetes.kubernetesPlanConfig(config);
    const plan = relativeContexts(planStack(planned, options), dir);
    return { plan, config: planned, secrets, kubernetes: kubernetes.planKubernetes(plan, planned) };
  } catch (error) {
    // A ConfigError or ModelLockError of either tree's own classes: the program's refusal, as it would print it.
    const e = error as Error;
    if (/ConfigError|ModelLockError/.test(e.name) || /ConfigError|ModelLockError/.test(e.constructor?.name ?? ""))
      return { refusal: e.message };
    throw error;
  }
}

/** Build contexts relative to the tree: the two trees live in different directories, the same commit builds the same image. */
function relativeContexts(plan: StackPlan, dir: string): StackPlan {
  return {
    ...plan,
    services: plan.services.map((s) =>
      s.image.kind === "build" ? { ...s, image: { ...s.image, context: path.relative(dir, s.image.context) || "." } } : s,
    ),
  };
}

/** A detached worktree of `ref` with this checkout's node_modules; removed by the returned function. */
export function worktreeAt(repoDir: string, ref: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-base-"));
  execFileSync("git", ["-C", repoDir, "worktree", "add", "--detach", "--force", dir, ref], { stdio: "pipe" });
  fs.symlinkSync(path.join(repoDir, "node_modules"), path.join(dir, "node_modules"));
  return {
    dir,
    remove: () => {
      execFileSync("git", ["-C", repoDir, "worktree", "remove", "--force", dir], { stdio: "pipe" });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
