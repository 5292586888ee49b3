/**
 * kubernetes-network-policies: declared callers only. On Docker every
 * container on the stack network reaches every other; on a cluster the stack
 * denies ingress to its pods by default, and a NetworkPolicy may admit only
 * pods that declare the pods it selects as a dependency (the program's
 * dependsOn edges, which come from ServiceSpec.dependsOn) or a configured
 * scraper (Prometheus). So: every pod is covered by a default-deny policy; no
 * rule admits every source, every pod, another namespace or an IP block
 * (unless allowlisted); each admitted pod is a declared caller or a scraper;
 * and every declared caller is admitted, or it could not reach what it calls.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { knownPart, rethrowUnknown, type UnknownValue } from "./support/known";
import { allowedForService, describePod, K8S, namespaceOf, selects, stackPods, type K8sMeta, type PodView } from "./support/kubernetes-view";
import { allowlistSchema } from "./support/service-allowlist";

export interface NetworkPoliciesConfig {
  /** Services (by the service label) admitted to scrape every pod's ports. */
  scrapers: string[];
  /** Sources other than the stack's pods (namespaceSelector, ipBlock, everyone) a service may admit, by service; any entry allows them. */
  allowExternal: Record<string, string[]>;
}

interface Peer {
  podSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  namespaceSelector?: unknown;
  ipBlock?: { cidr?: string };
}

export interface PolicyView {
  urn: string;
  name: string;
  namespace: string;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  ingressType: boolean;
  rules: { from?: Peer[] }[];
}

function policyView(r: { urn: string; name: string; props: Record<string, unknown> }, unknown: UnknownValue[]): PolicyView {
  const { value, unknown: more } = knownPart(r.props as { metadata?: K8sMeta; spec?: { podSelector?: PolicyView["selector"]; policyTypes?: string[]; ingress?: { from?: Peer[] }[] } });
  unknown.push(...more);
  const types = value.spec?.policyTypes;
  return {
    urn: r.urn,
    name: value.metadata?.name ?? r.name,
    namespace: namespaceOf(value.metadata),
    selector: value.spec?.podSelector,
    // policyTypes unset: Ingress (plus Egress when egress rules exist).
    ingressType: types === undefined || types.includes("Ingress"),
    rules: value.spec?.ingress ?? [],
  };
}

const selectsPod = (p: PolicyView, pod: PodView) =>
  p.namespace === namespaceOf(pod.meta) && (p.selector?.matchExpressions ?? []).length === 0 && selects(p.selector?.matchLabels, pod.podLabels);

export function networkPolicyProblems(pods: readonly PodView[], policies: readonly PolicyView[], dependsOn: Map<PodView, PodView[]>, config: NetworkPoliciesConfig): { message: string; urn: string }[] {
  const problems: { message: string; urn: string }[] = [];
  const callersOf = (pod: PodView) => pods.filter((p) => (dependsOn.get(p) ?? []).includes(pod));
  for (const pod of pods) {
    const covering = policies.filter((p) => p.ingressType && selectsPod(p, pod));
    if (!covering.some((p) => p.rules.length === 0)) {
      problems.push({
        urn: pod.urn,
        message: `${describePod(pod)} is not covered by a default-deny ingress NetworkPolicy, so ${covering.length ? "traffic the other policies do not mention is still admitted where they do not apply" : "any pod in the cluster can connect to it"}. Fix: a NetworkPolicy with policyTypes ["Ingress"], no ingress rules and a podSelector matching the stack's pods (KubernetesSuite creates one).`,
      });
    }
    const declared = callersOf(pod);
    const admitted = new Set<PodView>();
    const external = allowedForService(config.allowExternal, pod.service).length > 0;
    for (const policy of covering) {
      for (const rule of policy.rules) {
        const peers = rule.from ?? [];
        if (peers.length === 0 && !external) {
          problems.push({ urn: policy.urn, message: `NetworkPolicy "${policy.name}" admits every source to ${describePod(pod)} (an ingress rule with no from). Fix: list the declared callers' pods (ServiceSpec.dependsOn).` });
        }
        for (const peer of peers) {
          if ((peer.namespaceSelector !== undefined || peer.ipBlock !== undefined) && !external) {
            problems.push({ urn: policy.urn, message: `NetworkPolicy "${policy.name}" admits ${peer.ipBlock ? `IP block ${peer.ipBlock.cidr ?? "?"}` : "pods of other namespaces"} to ${describePod(pod)}, which no service of the stack declares. Fix: remove the peer, or allowlist ${pod.service} under kubernetes-network-policies.allowExternal.` });
            continue;
          }
          if (!peer.podSelector) continue;
          if ((peer.podSelector.matchExpressions ?? []).length || Object.keys(peer.podSelector.matchLabels ?? {}).length === 0) {
            problems.push({ urn: policy.urn, message: `NetworkPolicy "${policy.name}" admits ${Object.keys(peer.podSelector.matchLabels ?? {}).length ? "pods by expression" : "every pod of the namespace"} to ${describePod(pod)}. Fix: select each declared caller by its service label.` });
            continue;
          }
          const matched = pods.filter((p) => namespaceOf(p.meta) === policy.namespace && selects(peer.podSelector!.matchLabels, p.podLabels));
          for (const source of matched) {
            admitted.add(source);
            if (source === pod || declared.includes(source) || config.scrapers.includes(source.service)) continue;
            problems.push({
              urn: policy.urn,
              message: `NetworkPolicy "${policy.name}" admits ${describePod(source)} to ${describePod(pod)}, but ${source.service} does not declare ${pod.service} as a dependency (nor is it a scraper). Fix: admit only declared callers; if ${source.service} calls ${pod.service}, add "${pod.service}" to its ServiceSpec.dependsOn.`,
            });
          }
        }
      }
    }
    if (covering.length) {
      for (const caller of declared.filter((c) => !admitted.has(c))) {
        problems.push({
          urn: pod.urn,
          message: `${describePod(caller)} declares ${pod.service} as a dependency, but no NetworkPolicy admits it to ${describePod(pod)}, so its calls are dropped. Fix: admit it on ${pod.service}'s ports (lib/kubernetes/network-policies.ts derives this from dependsOn).`,
        });
      }
    }
  }
  return problems;
}

export const kubernetesNetworkPolicies: StackValidationPolicy = {
  name: "kubernetes-network-policies",
  description:
    "Checks that every Kubernetes pod of the stack is behind a default-deny ingress NetworkPolicy and that the policies admit exactly its declared callers and the configured scrapers, nothing from outside.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      scrapers: { type: "array", items: { type: "string" }, default: ["prometheus"] },
      allowExternal: allowlistSchema({ type: "string" }),
    },
  },
  validateStack: (args, reportViolation) => {
    const stack = stackPods(args.resources);
    if (stack.views.length === 0) return args.notApplicable("the stack has no Kubernetes pods");
    const unknown: UnknownValue[] = [];
    const policies = args.resources.filter((r) => r.type === K8S.NETWORK_POLICY).map((r) => policyView(r, unknown));
    for (const p of networkPolicyProblems(stack.views, policies, stack.dependsOn, args.getConfig<NetworkPoliciesConfig>())) reportViolation(p.message, p.urn);
    rethrowUnknown([...unknown, ...stack.views.flatMap((v) => v.unknown)], ["spec", "metadata"]);
  },
};
