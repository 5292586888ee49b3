/**
 * The stateless review's prediction held to the real engine: over the deploy
 * suite's stack, deployed once, each case changes one thing (stack config, a
 * stack secret, the program's code or a service's source), asks the review (lib/review, planned
 * from the config and code alone) what `up` does to each container, runs the
 * real `pulumi preview --json` over the deployed state, and undoes the change.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import type { SecretKey, StackConfig } from "../../lib/config/schema";
import { IMAGE_LOCK_FILE } from "../../lib/images-lock";
import type { StackPlan } from "../../lib/plan/stack-plan";
import { buildReview } from "../../lib/review/review";
import { withSourceDigests } from "../../program/build-contexts";
import { secretVersions } from "../../lib/review/secret-versions";
import type { ContainerAction } from "../../lib/review/service-diff";
import { REPO_DIR, pulumi, stepAction, urnName, writeStackFile, type Project } from "../support/pulumi-cli";
import type { E2eStack } from "./e2e-stack";

export interface PredictionCase {
  /** What the case changes, as a reviewer would say it. */
  change: string;
  /** Edits the stack config (top-level keys without the project prefix). */
  config?: (raw: Record<string, any>) => void;
  /** Sets a stack secret the deployed stack generated (`pulumi config set --secret`). */
  secret?: { key: SecretKey; value: string };
  /** A change to the program's code: one literal replacement in one file. */
  code?: { file: string; from: string; to: string };
}

export const PREDICTION_CASES: PredictionCase[] = [
  { change: "the coder's context size", config: (c) => (c.inference.code.ctxSize = 2048) },
  { change: "the gateway's LiteLLM settings (retries before failover)", config: (c) => (c.gateway.numRetries = 1) },
  { change: "Qdrant's image tag", config: (c) => (c.qdrant.image = c.qdrant.image.replace(/:v[\d.]+$/, ":v1.16.2")) },
  {
    change: "a new bind mount (the Docker socket, for MCP's model switch)",
    config: (c) => (c.mcp = { ...c.mcp, modelSwitch: true, dockerGroupId: 999 }),
  },
  { change: "an env value (Qdrant's timeout for its callers)", config: (c) => (c.timeouts = { ...c.timeouts, qdrant: 45 }) },
  { change: "a memory limit (Qdrant's)", config: (c) => (c.qdrant.memoryMiB = 640) },
  {
    change: "a healthcheck interval (the plan's quick probe, in code)",
    code: { file: "lib/plan/health.ts", from: "const QUICK = { intervalSec: 30,", to: "const QUICK = { intervalSec: 20," },
  },
  {
    change: "our RAG service's source (services/rag, a locally built image)",
    code: { file: "services/rag/src/main.ts", from: "/** Entry point:", to: "/** The RAG service's entry point:" },
  },
  { change: "a secret rotation (the gateway master key)", secret: { key: "gatewayMasterKey", value: "sk-rotated-by-the-review-test" } },
  { change: "a change that touches no container (pre-change backups kept)", config: (c) => (c.backup = { keepBeforeChange: 7 }) },
];

export interface Prediction {
  /** Each container's step: the review's, and the engine's from `pulumi preview --json`. */
  review: Record<string, ContainerAction>;
  engine: Record<string, ContainerAction>;
  /** The engine's steps on anything but a container (`op type name`). */
  otherSteps: string[];
  ms: { review: number; preview: number };
}

interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { inputs?: Record<string, unknown> };
  newState?: { inputs?: Record<string, unknown> };
}

const CONTAINER_TYPE = "docker:index/container:Container";
const PREFIX = "local-ai-suite:";

/** Plans with the lib/ of `libRoot` (a fresh copy for a code change: its own module instances). */
async function planWith(
  libRoot: string,
  e2e: E2eStack,
  config: Record<string, unknown>,
): Promise<{ plan: StackPlan; config: StackConfig }> {
  const load = (rel: string) => import(pathToFileURL(path.join(libRoot, rel)).href);
  const [{ parseStackConfig }, { planStack }] = await Promise.all([load("lib/config/load.ts"), load("lib/plan/stack-plan.ts")]);
  const raw = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.slice(PREFIX.length), v]));
  const parsed = parseStackConfig(raw, "e2e stack config") as StackConfig;
  // projectDir is where the engine runs the program, so build contexts are the engine's.
  const plan = planStack(parsed, { stack: e2e.stack, projectDir: e2e.programDir, lock: e2e.lock });
  return { plan: withSourceDigests(plan), config: parsed };
}

export async function predictAndPreview(project: Project, e2e: E2eStack, c: PredictionCase, scratch: string): Promise<Prediction> {
  const config = structuredClone(e2e.config);
  if (c.config) {
    const raw = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.slice(PREFIX.length), v]));
    c.config(raw);
    for (const [k, v] of Object.entries(raw)) config[`${PREFIX}${k}`] = v;
  }
  writeStackFile(project, e2e.stack, config);
  // As the program plans: each locally built image with its source digest, the base's read before any edit.
  const base = withSourceDigests(e2e.plan);
  let libRoot = REPO_DIR;
  const edited = c.code && path.join(e2e.programDir, c.code.file);
  const original = edited && fs.readFileSync(edited, "utf8");
  try {
    if (c.secret) {
      const set = await pulumi(project, ["config", "set", "--secret", "--stack", e2e.stack, `${PREFIX}${c.secret.key}`, c.secret.value]);
      if (set.code !== 0) throw new Error(`pulumi config set --secret failed:\n${set.output}`);
    }
    if (c.code && edited && original) {
      if (!original.includes(c.code.from)) throw new Error(`${c.code.file} no longer holds "${c.code.from}": update the case`);
      const changed = original.replace(c.code.from, c.code.to);
      if (c.code.file.startsWith("lib/")) {
        // The head's planning code: a fresh copy, so it is imported as new modules.
        libRoot = fs.mkdtempSync(path.join(scratch, "head-"));
        fs.cpSync(path.join(e2e.programDir, "lib"), path.join(libRoot, "lib"), { recursive: true });
        // lib imports the committed image lock from the repository root.
        fs.copyFileSync(path.join(e2e.programDir, IMAGE_LOCK_FILE), path.join(libRoot, IMAGE_LOCK_FILE));
        fs.symlinkSync(path.join(REPO_DIR, "node_modules"), path.join(libRoot, "node_modules"));
        fs.writeFileSync(path.join(libRoot, c.code.file), changed);
      }
      fs.writeFileSync(edited, changed);
    }
    const started = Date.now();
    const stackFile = parseYaml(fs.readFileSync(path.join(project.dir, `Pulumi.${e2e.stack}.yaml`), "utf8"));
    const review = buildReview(
      e2e.stack,
      { plan: base, config: e2e.stackConfig, secrets: {} },
      { ...(await planWith(libRoot, e2e, config)), secrets: secretVersions(stackFile) },
    );
    const reviewMs = Date.now() - started;
    const run = await pulumi(project, ["preview", "--json", "--stack", e2e.stack], { timeoutMs: 300_000 });
    if (run.code !== 0) throw new Error(`pulumi preview --json failed:\n${run.output.slice(-3000)}`);
    const steps = (JSON.parse(run.stdout) as { steps: PreviewStep[] }).steps;
    const serviceOf = new Map(e2e.plan.services.map((s) => [s.containerName, s.service]));
    const engine: Record<string, ContainerAction> = {};
    const otherSteps: string[] = [];
    for (const step of steps) {
      const type = step.urn.split("::")[2]!.split("$").pop()!;
      if (type === CONTAINER_TYPE) {
        const name = step.newState?.inputs?.name ?? step.oldState?.inputs?.name;
        const service = serviceOf.get(String(name)) ?? `unplanned container ${String(name)}`;
        // A replacement's several steps (replace, create-replacement, delete-replaced) are one replace.
        if (engine[service] !== "replace") engine[service] = stepAction(step.op);
      } else if (step.op !== "same" && step.op !== "read") otherSteps.push(`${step.op} ${type} ${urnName(step.urn)}`);
    }
    const reviewed = Object.fromEntries(e2e.plan.services.map((s) => [s.service, "none" as ContainerAction]));
    for (const change of review.changes) reviewed[change.service] = change.action;
    for (const service of Object.keys(reviewed)) engine[service] ??= "none";
    return { review: reviewed, engine, otherSteps: [...new Set(otherSteps)].sort(), ms: { review: reviewMs, preview: run.ms } };
  } finally {
    if (edited && original !== undefined) fs.writeFileSync(edited, original);
    writeStackFile(project, e2e.stack, e2e.config);
  }
}
