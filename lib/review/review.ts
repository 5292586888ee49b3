/**
 * The review of a change from two plans of one stack (base and head), as
 * plain data: per service what changes and what `up` does to its container,
 * what a replace costs (a downtime bound from its probes and stop grace, the
 * failover that covers its callers, the backup that runs first), each GPU's
 * VRAM before and after against its budget, and the startup critical path.
 * A plan the program refuses (a ConfigError: over the VRAM budget, say) is
 * reviewed as the refusal. Pure: the planning happens in scripts/review.ts.
 */
import type { StackConfig } from "../config/schema";
import { gatewayRoutes } from "../plan/gateway";
import { containerChangeDigest } from "../plan/change-digest";
import { criticalPath, type CriticalPath } from "../plan/graph";
import type { StackPlan } from "../plan/stack-plan";
import { fitsVramBudget } from "../vram/budget";
import type { KubernetesPlan } from "../kubernetes/plan";
import { diffKubernetes, type ObjectChange } from "./kubernetes-diff";
import { diffServices, type SecretVersions, type ServiceChange } from "./service-diff";

/**
 * A tree's plan of one stack (with its secrets' versions, from the stack file,
 * and on the Kubernetes target its Kubernetes plan), or the program's refusal.
 */
export type PlanOutcome =
  { plan: StackPlan; config: StackConfig; secrets?: SecretVersions; kubernetes?: KubernetesPlan } | { refusal: string };

export interface ReviewedChange extends ServiceChange {
  /** Seconds its callers may find it gone: the old one's stop grace plus the new one's wait for healthy. */
  downtimeBoundSec?: number;
  deleteBeforeReplace?: boolean;
  /** Who covers its callers while it is gone, or who loses it. */
  failover?: string;
  backupFirst?: boolean;
}

export interface GpuReview {
  id: string;
  budgetMiB: number;
  beforeMiB?: number;
  afterMiB?: number;
  fits: boolean;
}

export interface ReviewedObject extends ObjectChange {
  /** For a workload: how its pod is rolled, and whether the service is gone meanwhile. */
  rollout?: string;
}

/** One verdict of the policy pack on the new plan (ops/review/pack-verdicts.ts). */
export interface PackVerdict {
  policy: string;
  level: "advisory" | "mandatory" | "remediate" | "disabled";
  message: string;
  /** The resource it points at (its Pulumi name), if one. */
  resource?: string;
}

export interface Review {
  stack: string;
  /** The pack's verdicts on the new plan; absent when the plan is refused (there is nothing to check). */
  verdicts?: PackVerdict[];
  refusal?: string;
  baseRefusal?: string;
  /** Docker target: each container's step. */
  changes: ReviewedChange[];
  /** Kubernetes target: each object's step (the containers are the pods the workloads roll). */
  objects?: ReviewedObject[];
  gpus: GpuReview[];
  criticalPath: { before?: CriticalPath; after?: CriticalPath };
}

const planOf = (o: PlanOutcome) => ("plan" in o ? o.plan : undefined);

export function buildReview(stack: string, base: PlanOutcome, head: PlanOutcome, verdicts?: PackVerdict[]): Review {
  const before = planOf(base);
  const after = planOf(head);
  const review: Review = {
    stack,
    ...("refusal" in head ? { refusal: head.refusal } : {}),
    ...("refusal" in base ? { baseRefusal: base.refusal } : {}),
    ...(verdicts && !("refusal" in head) ? { verdicts } : {}),
    changes: [],
    gpus: gpuReviews(before, after),
    criticalPath: { before: before && startupPath(before), after: after && startupPath(after) },
  };
  if (!before || !after || !("config" in head)) return review;
  const secrets = { before: ("secrets" in base && base.secrets) || {}, after: head.secrets ?? {} };
  if (head.kubernetes && "kubernetes" in base && base.kubernetes) {
    const k = head.kubernetes;
    review.objects = diffKubernetes(base.kubernetes, k, secrets)
      .filter((o) => o.action !== "none")
      .map((o) => ({ ...o, ...(o.resource.endsWith("-workload") ? { rollout: rolloutOf(k, o) } : {}) }));
    return review;
  }
  // A change that reaches no container property (a dependency, the backup) is listed, as "none".
  review.changes = diffServices(before.services, after.services, secrets)
    .filter((c) => c.action !== "none" || c.fields.length > 0)
    .map((c) => {
      const spec = after.services.find((s) => s.service === c.service);
      const old = before.services.find((s) => s.service === c.service);
      // The backup's trigger is the spec's digest (components/service.ts): it runs on any change of the spec.
      const backupFirst =
        !!spec && !!old && spec.lifecycle.backupBeforeChange && containerChangeDigest(spec) !== containerChangeDigest(old);
      const reviewed = { ...c, ...(spec && old ? { backupFirst } : {}) };
      return c.action === "replace" ? costOfReplace(reviewed, after, head.config) : reviewed;
    });
  return review;
}

function costOfReplace(change: ServiceChange, plan: StackPlan, config: StackConfig): ReviewedChange {
  const spec = plan.services.find((s) => s.service === change.service)!;
  const { lifecycle } = spec;
  const routes = gatewayRoutes(config).filter((r) => r.primary.id === change.service);
  const covered = routes.filter((r) => r.backup);
  const dependents = plan.services.filter((s) => s.dependsOn.includes(change.service)).map((s) => s.service);
  const failover = covered.length
    ? `${covered.map((r) => r.name).join(", ")} requests fail over to ${[...new Set(covered.map((r) => r.backup!.id))].join(", ")} while it restarts`
    : dependents.length
      ? `no failover: ${dependents.join(", ")} ${dependents.length === 1 ? "loses" : "lose"} ${change.service} while it restarts`
      : "no caller in the stack depends on it";
  return {
    ...change,
    downtimeBoundSec: lifecycle.stopGraceSec + lifecycle.waitTimeoutSec,
    deleteBeforeReplace: lifecycle.deleteBeforeReplace,
    failover,
  };
}

/** How a changed workload's single pod is rolled (lib/kubernetes/plan.ts chose the strategy). */
function rolloutOf(k: KubernetesPlan, o: ObjectChange): string | undefined {
  const s = k.services.find((x) => x.service === o.service);
  if (!s || (o.action !== "update" && o.action !== "replace")) return undefined;
  if (o.action === "replace") return `deleted first: gone until its new pod is ready (up to ${s.timeoutSec} s)`;
  if (s.kind === "StatefulSet") return `its one pod is replaced: gone until the new pod is ready (up to ${s.timeoutSec} s)`;
  return s.strategy === "RollingUpdate"
    ? "rolling update, surge first: the old pod serves until the new one is ready"
    : `recreate (GPU or claims): gone until the new pod is ready (up to ${s.timeoutSec} s)`;
}

function gpuReviews(before: StackPlan | undefined, after: StackPlan | undefined): GpuReview[] {
  const ids = [...new Set([...(before?.gpuPlan.gpus ?? []), ...(after?.gpuPlan.gpus ?? [])].map((g) => g.id))];
  return ids.map((id) => {
    const b = before?.gpuPlan.gpus.find((g) => g.id === id);
    const a = after?.gpuPlan.gpus.find((g) => g.id === id);
    const budgetMiB = (a ?? b)!.budgetMiB;
    return {
      id,
      budgetMiB,
      beforeMiB: b?.estimatedMiB,
      afterMiB: a?.estimatedMiB,
      fits: a ? fitsVramBudget(a.estimatedMiB, a.budgetMiB) : false,
    };
  });
}

/** The policy's weighting (startup-critical-path): each service's start period plus one probe interval. */
function startupPath(plan: StackPlan): CriticalPath {
  const cost = new Map(plan.services.map((s) => [s.service, s.healthcheck.startPeriodSec + s.healthcheck.intervalSec]));
  return criticalPath(
    plan.services.map((s) => ({ id: s.service, dependsOn: s.dependsOn })),
    (id) => cost.get(id) ?? 0,
  );
}
