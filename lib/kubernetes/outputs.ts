/** What `pulumi stack output` shows for the Kubernetes target, as plain data. */
import type { StackPlan } from "../plan/stack-plan";
import type { KubernetesPlan } from "./plan";

export function kubernetesOutputs(plan: StackPlan, k: KubernetesPlan) {
  const byService = new Map(k.services.map((s) => [s.service, s]));
  return {
    phase: plan.phase,
    target: "kubernetes" as const,
    namespace: k.namespace,
    /** In-cluster URL of each service's first port. */
    services: Object.fromEntries(k.services.filter((s) => s.ports.length).map((s) => [s.service, `http://${s.service}.${k.namespace}.svc:${s.ports[0]}`])),
    /** What replaces the published host ports: a port-forward to the same local port. */
    portForward: Object.fromEntries(
      plan.endpoints.map((e) => {
        const port = Number(new URL(e.url).port);
        const internal = byService.get(e.service)!.spec.ports.find((p) => p.external === port)?.internal ?? port;
        return [e.name, `kubectl -n ${k.namespace} port-forward svc/${e.service} ${port}:${internal}`];
      }),
    ),
    workloads: Object.fromEntries(k.services.map((s) => [s.service, `${s.kind}/${s.name}`])),
    claims: k.claims.map((c) => ({ name: c.name, sizeGiB: c.sizeGiB, replaces: c.dockerSource, users: c.users })),
    gpuSharing: k.gpus.map((g) => ({ gpu: g.gpu, node: g.node, mode: g.mode, slots: g.slots, pods: g.services, budgetMiB: g.budgetMiB, estimatedMiB: g.estimatedMiB })),
  };
}
