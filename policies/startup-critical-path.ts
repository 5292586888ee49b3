/**
 * startup-critical-path: how long a cold `pulumi up` can take in the worst case.
 * Each health-gated container costs its start period (the worst-case load
 * window) plus one probe interval; the longest dependency chain is the bound.
 * Two policies share the computation: one enforces a ceiling from the policy
 * config, the other (advisory) prints the path on every preview, because
 * CrossGuard has no other channel than a violation to show information.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { criticalPath, DependencyCycleError, type CriticalPath } from "../lib/plan/graph";
import type { ContainerView } from "./support/container-view";
import { durationSec } from "./support/healthcheck-view";
import { rethrowUnknown } from "./support/known";
import { stackContainers, type StackContainers } from "./support/stack-containers";

export interface CriticalPathConfig {
  maxSec: number;
}

export interface StartupPath extends CriticalPath {
  /** Seconds each container on the chain adds. */
  costs: Record<string, number>;
}

/** Worst-case seconds until `c` reports healthy once started: its start period plus one interval. */
export function startupCostSec(c: ContainerView): number {
  return (durationSec(c, "startPeriod") ?? 0) + (durationSec(c, "interval") ?? 30);
}

/** The longest chain of health-gated starts; undefined when the dependencies form a cycle (health-gated-ordering reports that). */
export function startupPath(stack: StackContainers): StartupPath | undefined {
  // Ids by service name (then URN, which is unique), so a tie between equally long chains goes to the same one
  // whatever order the engine hands the resources over in.
  const idOf = new Map(stack.views.map((v) => [v, `${v.service}\u0000${v.urn}`]));
  const ids = new Map([...idOf].map(([v, id]) => [id, v]));
  const nodes = stack.views.map((v) => ({ id: idOf.get(v)!, dependsOn: (stack.dependsOn.get(v) ?? []).map((d) => idOf.get(d)!) }));
  try {
    const path = criticalPath(nodes, (id) => startupCostSec(ids.get(id)!));
    const chain = path.chain.map((id) => ids.get(id)!.service);
    const costs = Object.fromEntries(path.chain.map((id) => [ids.get(id)!.service, startupCostSec(ids.get(id)!)]));
    return { chain, seconds: path.seconds, costs };
  } catch (error) {
    if (error instanceof DependencyCycleError) return undefined;
    throw error;
  }
}

export function describePath(path: StartupPath): string {
  return `${path.chain.map((s) => `${s} (${path.costs[s]}s)`).join(" -> ")} = ${path.seconds}s`;
}

const HEALTH_FIELDS = ["healthcheck"];

export const startupCriticalPath: StackValidationPolicy = {
  name: "startup-critical-path",
  description: "Checks that the worst-case startup time along the longest chain of health-gated dependencies (start period plus one interval each) stays within the configured bound.",
  enforcementLevel: "mandatory",
  severity: "medium",
  configSchema: { properties: { maxSec: { type: "integer", minimum: 1, default: 1200 } } },
  validateStack: (args, reportViolation) => {
    const stack = stackContainers(args.resources);
    const path = startupPath(stack);
    if (!path) return args.notApplicable("the dependency graph has a cycle (see health-gated-ordering)");
    const { maxSec } = args.getConfig<CriticalPathConfig>();
    if (path.seconds > maxSec) {
      const slowest = Object.entries(path.costs).sort((a, b) => b[1] - a[1])[0]!;
      reportViolation(
        `Worst-case startup is ${path.seconds}s, over the ${maxSec}s bound: ${describePath(path)}. ` +
          `Fix: shorten the slowest step (${slowest[0]}: its start period / loadTimeoutSec), take a service off the chain, or raise maxSec for startup-critical-path in the stack's policy config.`,
        // Points at the slowest step, the one to change.
        stack.views.find((v) => v.service === slowest[0])?.urn,
      );
    }
    rethrowUnknown(stack.views.flatMap((v) => v.unknown), HEALTH_FIELDS);
  },
};

export const startupCriticalPathReport: StackValidationPolicy = {
  name: "startup-critical-path-report",
  description: "Checks that reviewers see the worst-case startup critical path on every preview, by reporting it as an advisory note.",
  enforcementLevel: "advisory",
  severity: "low",
  validateStack: (args, reportViolation) => {
    const path = startupPath(stackContainers(args.resources));
    if (!path || path.chain.length === 0) return args.notApplicable("no acyclic container graph to report");
    reportViolation(`Startup critical path (info): ${describePath(path)}.`);
  },
};
