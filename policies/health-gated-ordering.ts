/**
 * health-gated-ordering: Compose's `depends_on: condition: service_healthy`,
 * for Pulumi. A container that talks to another must be created after it, and
 * only once it is healthy: its dependency needs a healthcheck and `wait: true`
 * (Pulumi's dependsOn alone orders creation, not readiness). The reference p3
 * used plain depends_on lists (in the reference docker-compose files, sunbangamen/local-ai-suite).
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { DependencyCycleError, topologicalOrder } from "../lib/plan/graph";
import { describeContainer, type ContainerView } from "./support/container-view";
import { hasRealHealthcheck } from "./support/healthcheck-view";
import { isUnknownEntryOf, rethrowUnknown } from "./support/known";
import { stackContainers, type StackContainers } from "./support/stack-containers";
import { talksTo } from "./support/talks-to";

export function orderingProblems(stack: StackContainers): { message: string; urn?: string }[] {
  const problems: { message: string; urn: string }[] = [];
  const required = new Map<ContainerView, Set<ContainerView>>();
  for (const c of stack.views) {
    const deps = stack.dependsOn.get(c) ?? [];
    const edges = new Set(deps);
    for (const ref of talksTo(c, stack.views)) {
      edges.add(ref.target);
      if (!deps.includes(ref.target)) {
        problems.push({
          urn: c.urn,
          message:
            `${describeContainer(c)} talks to ${ref.target.service} (${ref.evidence}) but does not depend on it, so it can start before ${ref.target.service} is up. ` +
            `Fix: add "${ref.target.service}" to its ServiceSpec.dependsOn (the Service component turns that into dependsOn on the healthy container).`,
        });
      }
    }
    required.set(c, edges);
    for (const dep of deps) {
      // Outside this operation (--target elsewhere): as deployed, judged when it was deployed.
      if (dep.outsideOperation) continue;
      const gaps = [
        !hasRealHealthcheck(dep) && "has no real healthcheck",
        dep.props.wait !== true && "is not created with wait: true",
      ].filter(Boolean);
      if (gaps.length) {
        problems.push({
          urn: c.urn,
          message:
            `${describeContainer(c)} depends on ${dep.service}, which ${gaps.join(" and ")}, so Pulumi starts ${c.service} as soon as ${dep.service} exists, not when it is healthy. ` +
            `Fix: give ${dep.service} a healthcheck and wait: true (see container-healthchecks).`,
        });
      }
    }
  }
  const cycle = findCycle(stack.views, required);
  if (cycle) {
    problems.push({
      urn: cycle[0]!.urn,
      message:
        `Dependency cycle ${cycle.map((c) => c.service).join(" -> ")} (declared dependencies plus who-talks-to-whom): no order starts each after the ones it needs. ` +
        `Fix: break the cycle, e.g. let one side discover the other lazily instead of at start-up.`,
    });
  }
  return problems;
}

function findCycle(views: ContainerView[], edges: Map<ContainerView, Set<ContainerView>>): ContainerView[] | undefined {
  const id = new Map(views.map((v, i) => [v, String(i)]));
  try {
    topologicalOrder(views.map((v) => ({ id: id.get(v)!, dependsOn: [...(edges.get(v) ?? [])].map((d) => id.get(d)!) })));
    return undefined;
  } catch (error) {
    if (!(error instanceof DependencyCycleError)) throw error;
    return error.cycle.map((i) => views[Number(i)]!);
  }
}

export const healthGatedOrdering: StackValidationPolicy = {
  name: "health-gated-ordering",
  description:
    "Checks that every container depends on each container it talks to, that every dependency has a healthcheck and wait: true, and that there is no dependency cycle.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const stack = stackContainers(args.resources);
    if (stack.views.length === 0) return args.notApplicable("the stack has no containers");
    for (const p of orderingProblems(stack)) reportViolation(p.message, p.urn);
    // An unknown env or argv entry is another resource's output: the container depends on that resource already.
    const unknown = stack.views.flatMap((v) => v.unknown).filter((u) => !isUnknownEntryOf(u, ["envs", "command", "entrypoints"]));
    rethrowUnknown(unknown, ["envs", "command", "entrypoints", "healthcheck", "wait", "networksAdvanced", "name", "labels"]);
  },
};
