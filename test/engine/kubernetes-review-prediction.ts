/**
 * The stateless review's prediction for the Kubernetes target, held to the
 * real engine: over the lifecycle test's deployed stack, each case changes one
 * thing (stack config or a stack secret), asks the review (lib/review, from
 * the config alone) what `up` does to each object, runs the real `pulumi
 * preview --json` against the API server, and undoes the change.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { parseStackConfig } from "../../lib/config/load";
import type { SecretKey } from "../../lib/config/schema";
import { kubernetesPlanConfig, planKubernetes } from "../../lib/kubernetes/plan";
import { planStack } from "../../lib/plan/stack-plan";
import { KUBERNETES_SUITE_NAME } from "../../lib/review/kubernetes-diff";
import { buildReview, type PlanOutcome } from "../../lib/review/review";
import { secretVersions } from "../../lib/review/secret-versions";
import type { ContainerAction } from "../../lib/review/service-diff";
import { REPO_LOCK } from "../support/model-lock";
import { pulumi, REPO_DIR, stepAction, urnName, writeStackFile, type Project } from "../support/pulumi-cli";

export interface KubernetesCase {
  change: string;
  /** Edits the stack config (top-level keys without the project prefix). */
  config?: (raw: Record<string, any>) => void;
  secret?: { key: SecretKey; value: string };
}

export const KUBERNETES_CASES: KubernetesCase[] = [
  { change: "the coder's context size", config: (c) => (c.inference.code.ctxSize = 2048) },
  { change: "the gateway's LiteLLM settings", config: (c) => (c.gateway.numRetries = 1) },
  { change: "Qdrant's image tag", config: (c) => (c.qdrant = { ...c.qdrant, image: "qdrant/qdrant:v1.16.2" }) },
  { change: "an env value (Qdrant's timeout for its callers)", config: (c) => (c.timeouts = { ...c.timeouts, qdrant: 45 }) },
  { change: "a memory limit (Qdrant's)", config: (c) => (c.qdrant = { ...c.qdrant, memoryMiB: 3072 }) },
  { change: "a secret rotation (the llama-servers' key)", secret: { key: "inferenceApiKey", value: "rotated-by-the-review-test" } },
  { change: "a change that touches no object (pre-change backups: Docker only)", config: (c) => (c.backup = { keepBeforeChange: 7 }) },
];

export interface KubernetesPrediction {
  /** Each object's step by its resource name under the suite: the review's, and the engine's. */
  review: Record<string, ContainerAction>;
  engine: Record<string, ContainerAction>;
}

const PREFIX = "local-ai-suite:";
const unprefixed = (config: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(config).map(([k, v]) => [k.slice(PREFIX.length), structuredClone(v)]));

function outcome(stack: string, config: Record<string, unknown>, secrets: ReturnType<typeof secretVersions>): PlanOutcome {
  const parsed = kubernetesPlanConfig(parseStackConfig(unprefixed(config), "k8s stack config"));
  const plan = planStack(parsed, { stack, projectDir: REPO_DIR, lock: REPO_LOCK });
  return { plan, config: parsed, secrets, kubernetes: planKubernetes(plan, parsed) };
}

export async function predictKubernetes(
  project: Project,
  stack: string,
  base: Record<string, unknown>,
  c: KubernetesCase,
): Promise<KubernetesPrediction> {
  const config = structuredClone(base);
  if (c.config) {
    const raw = unprefixed(config);
    c.config(raw);
    for (const [k, v] of Object.entries(raw)) config[`${PREFIX}${k}`] = v;
  }
  writeStackFile(project, stack, config);
  try {
    if (c.secret) {
      const set = await pulumi(project, ["config", "set", "--secret", "--stack", stack, `${PREFIX}${c.secret.key}`, c.secret.value]);
      if (set.code !== 0) throw new Error(`pulumi config set --secret failed:\n${set.output}`);
    }
    const stackFile = parseYaml(fs.readFileSync(path.join(project.dir, `Pulumi.${stack}.yaml`), "utf8"));
    const review = buildReview(stack, outcome(stack, base, {}), outcome(stack, config, secretVersions(stackFile)));
    const run = await pulumi(project, ["preview", "--json", "--stack", stack], { timeoutMs: 300_000 });
    if (run.code !== 0) throw new Error(`pulumi preview --json failed:\n${run.output.slice(-3000)}`);
    const engine: Record<string, ContainerAction> = {};
    for (const step of (JSON.parse(run.stdout) as { steps: { op: string; urn: string }[] }).steps) {
      if (!step.urn.split("::")[2]!.split("$").pop()!.startsWith("kubernetes:")) continue;
      const resource = urnName(step.urn).slice(`${KUBERNETES_SUITE_NAME}-`.length);
      if (engine[resource] !== "replace") engine[resource] = stepAction(step.op);
    }
    const predicted: Record<string, ContainerAction> = Object.fromEntries(Object.keys(engine).map((r) => [r, "none" as ContainerAction]));
    for (const o of review.objects ?? []) predicted[o.resource] = o.action;
    return { review: predicted, engine };
  } finally {
    writeStackFile(project, stack, base);
  }
}
