/**
 * kubernetes-health-gated-ordering: health-gated-ordering for pods. A pod that
 * calls a Service (a URL host or host:port in its env or argv naming the
 * Service, short or cluster DNS form) must be created after the workload behind
 * that Service, and only once it is ready: the program declares the
 * dependency, the dependency has a readinessProbe, and Pulumi waits for it
 * (its await is not skipped). `pulumi.com/skipAwait` is for a control plane
 * without nodes, where readiness never comes; the policy config says so
 * (allowSkipAwait) for such a stack only. No dependency cycle.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { DependencyCycleError, topologicalOrder } from "../lib/plan/graph";
import { knownPart, rethrowUnknown, type UnknownValue } from "./support/known";
import { describePod, K8S, namespaceOf, selects, stackPods, type K8sMeta, type PodView, type StackPods } from "./support/kubernetes-view";
import { referencesName } from "./support/talks-to";

export interface KubernetesOrderingConfig {
  /** Only for a control plane without nodes (tests): dependencies may skip Pulumi's readiness await. */
  allowSkipAwait: boolean;
}

export interface ServiceView {
  name: string;
  namespace: string;
  selector: Record<string, string>;
}

/** Names a pod can reach a Service by. */
function dnsNames(s: ServiceView): string[] {
  return [s.name, `${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc`, `${s.name}.${s.namespace}.svc.cluster.local`];
}

/** The workloads a pod calls through Services, with the evidence. */
export function callsOf(pod: PodView, services: readonly ServiceView[], pods: readonly PodView[]): { target: PodView; evidence: string }[] {
  const sources = pod.mainContainers.flatMap((c) => [
    ...(c.env ?? []).filter((e) => typeof e.value === "string").map((e) => ({ text: e.value!, evidence: `env ${e.name}=${e.value}` })),
    ...[...(c.command ?? []), ...(c.args ?? [])].map((a) => ({ text: a, evidence: `argument "${a}"` })),
  ]);
  const found: { target: PodView; evidence: string }[] = [];
  for (const service of services) {
    if (Object.keys(service.selector).length === 0) continue;
    const hit = sources.find((s) => dnsNames(service).some((n) => referencesName(s.text, n)));
    if (!hit) continue;
    for (const target of pods) {
      if (target !== pod && namespaceOf(target.meta) === service.namespace && selects(service.selector, target.podLabels) && !found.some((f) => f.target === target)) found.push({ target, evidence: hit.evidence });
    }
  }
  return found;
}

export function kubernetesOrderingProblems(stack: StackPods, services: readonly ServiceView[], config: KubernetesOrderingConfig): { message: string; urn: string }[] {
  const problems: { message: string; urn: string }[] = [];
  const edges = new Map<PodView, Set<PodView>>();
  for (const pod of stack.views) {
    const deps = stack.dependsOn.get(pod) ?? [];
    const required = new Set(deps);
    for (const call of callsOf(pod, services, [...stack.views, ...stack.outside])) {
      required.add(call.target);
      if (!deps.includes(call.target)) {
        problems.push({
          urn: pod.urn,
          message: `${describePod(pod)} calls ${call.target.service} (${call.evidence}) but does not depend on its ${call.target.kind}, so it can start before ${call.target.service} is ready. Fix: add "${call.target.service}" to its ServiceSpec.dependsOn (KubernetesService turns that into dependsOn on the ready workload).`,
        });
      }
    }
    edges.set(pod, required);
    for (const dep of deps) {
      if (dep.outsideOperation) continue;
      const gaps = [
        dep.mainContainers.some((c) => !c.readinessProbe) && "has a container without a readinessProbe",
        dep.skipAwait && !config.allowSkipAwait && `carries pulumi.com/skipAwait, so Pulumi does not wait for it to be ready`,
      ].filter((g): g is string => typeof g === "string");
      if (gaps.length) {
        problems.push({
          urn: pod.urn,
          message: `${describePod(pod)} depends on ${describePod(dep)}, which ${gaps.join(" and ")}, so ${pod.service} is created as soon as ${dep.service} exists, not when it can serve. Fix: give ${dep.service} a readinessProbe and drop skipAwait (kubernetes.skipAwait is for control planes without nodes only).`,
        });
      }
    }
  }
  const ids = new Map(stack.views.map((v, i) => [v, String(i)]));
  try {
    topologicalOrder(stack.views.map((v) => ({ id: ids.get(v)!, dependsOn: [...(edges.get(v) ?? [])].flatMap((d) => (ids.has(d) ? [ids.get(d)!] : [])) })));
  } catch (error) {
    if (!(error instanceof DependencyCycleError)) throw error;
    const cycle = error.cycle.map((i) => stack.views[Number(i)]!);
    problems.push({ urn: cycle[0]!.urn, message: `Dependency cycle ${cycle.map((c) => c.service).join(" -> ")} (declared dependencies plus who calls whom): no order starts each after the ones it needs. Fix: break the cycle.` });
  }
  return problems;
}

export const kubernetesHealthGatedOrdering: StackValidationPolicy = {
  name: "kubernetes-health-gated-ordering",
  description:
    "Checks that every Kubernetes pod depends on each workload whose Service it calls, that each dependency has readiness probes and a readiness await, and that there is no dependency cycle.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: { properties: { allowSkipAwait: { type: "boolean", default: false } } },
  validateStack: (args, reportViolation) => {
    const stack = stackPods(args.resources);
    if (stack.views.length === 0) return args.notApplicable("the stack has no Kubernetes pods");
    const unknown: UnknownValue[] = [];
    const services = args.resources
      .filter((r) => r.type === K8S.SERVICE)
      .map((r) => {
        const { value, unknown: more } = knownPart(r.props as { metadata?: K8sMeta; spec?: { selector?: Record<string, string> } });
        unknown.push(...more);
        return { name: value.metadata?.name ?? r.name, namespace: namespaceOf(value.metadata), selector: value.spec?.selector ?? {} };
      });
    for (const p of kubernetesOrderingProblems(stack, services, args.getConfig<KubernetesOrderingConfig>())) reportViolation(p.message, p.urn);
    rethrowUnknown([...unknown, ...stack.views.flatMap((v) => v.unknown)], ["spec", "metadata"]);
  },
};
