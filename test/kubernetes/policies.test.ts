/**
 * The Kubernetes policies on the mapping's own objects: the committed stack
 * passes every rule, and each mutation a careless change could make fails the
 * rule it breaks. (The real engine's shapes and previews: test/engine/kubernetes-*.)
 */
import type { PolicyResourceOptions } from "@pulumi/policy";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultDenyObject, networkPolicyObject, serviceObject, workloadObject } from "../../lib/kubernetes/objects";
import { hostPathProblems } from "../../policies/kubernetes-host-paths";
import { imageProblems } from "../../policies/kubernetes-image-pinned";
import { kubernetesVramFindings, type KubernetesVramConfig } from "../../policies/kubernetes-gpu-vram-budget";
import { kubernetesOrderingProblems, type ServiceView } from "../../policies/kubernetes-health-gated-ordering";
import { networkPolicyProblems, type PolicyView } from "../../policies/kubernetes-network-policies";
import { podSecurityProblems } from "../../policies/kubernetes-pod-security";
import { probeProblems } from "../../policies/kubernetes-probes";
import { resourceProblems } from "../../policies/kubernetes-resources";
import { podSecretProblems } from "../../policies/kubernetes-secrets";
import { podView, type PodView, type StackPods } from "../../policies/support/kubernetes-view";
import { loadPackConfig } from "../policies/harness";
import { planK8s, type Planned } from "./support";

const pack = loadPackConfig("k8s") as Record<string, any>;
const cfg = (name: string) => {
  const { enforcementLevel: _level, ...rest } = pack[name] ?? {};
  return rest;
};

const opts = (timeoutSec: number): PolicyResourceOptions => ({
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: timeoutSec, updateSeconds: timeoutSec, deleteSeconds: 0 },
  additionalSecretOutputs: [],
});

interface Built {
  pods: PodView[];
  byService: Map<string, PodView>;
  services: ServiceView[];
  policies: PolicyView[];
  stack: StackPods;
}

function build(p: Planned, mutate: (objects: { service: string; workload: any }[]) => void = () => {}): Built {
  const objects = p.k.services.map((s) => ({ service: s.service, plan: s, workload: structuredClone(workloadObject(p.k, s, { configMap: `${s.service}-cm`, secret: `${s.service}-secret` })) }));
  mutate(objects);
  const pods = objects.map((o) => podView({ urn: `urn:${o.service}`, type: `kubernetes:apps/v1:${o.workload.kind}`, name: `suite-${o.service}-workload`, props: o.workload as unknown as Record<string, unknown>, opts: opts(o.plan.timeoutSec) })!);
  const byService = new Map(pods.map((v) => [v.service, v]));
  const dependsOn = new Map(pods.map((v) => [v, p.k.services.find((s) => s.service === v.service)!.spec.dependsOn.map((d) => byService.get(d)!)]));
  const services = p.k.services.flatMap((s) => {
    const svc = serviceObject(p.k, s);
    return svc ? [{ name: svc.metadata.name!, namespace: svc.metadata.namespace!, selector: svc.spec.selector }] : [];
  });
  const policies = [defaultDenyObject(p.k), ...p.k.services.flatMap((s) => networkPolicyObject(p.k, s) ?? [])].map((np) => ({
    urn: `urn:np:${np.metadata.name}`,
    name: np.metadata.name!,
    namespace: np.metadata.namespace!,
    selector: np.spec.podSelector,
    ingressType: true,
    rules: np.spec.ingress as PolicyView["rules"],
  }));
  return { pods, byService, services, policies, stack: { views: pods, outside: [], dependsOn, resources: new Map() } };
}

function allProblems(b: Built) {
  return b.pods.flatMap((pod) => [
    ...probeProblems(pod, cfg("kubernetes-probes") as any),
    ...imageProblems(pod),
    ...podSecurityProblems(pod, cfg("kubernetes-pod-security") as any),
    ...hostPathProblems(pod, cfg("kubernetes-host-paths") as any),
    ...resourceProblems(pod, cfg("kubernetes-resources") as any),
    ...podSecretProblems(pod, { minLength: 16, extraSecretEnvNames: [], placeholderValues: ["sk-no-key-required"], extraWeakValues: [] }),
  ]);
}

const vramConfig = () => ({ perProcessOverheadMiB: 300, fixedClaimsMiB: {}, ...cfg("kubernetes-gpu-vram-budget") }) as KubernetesVramConfig;
const netConfig = () => cfg("kubernetes-network-policies") as any;
const orderConfig = { allowSkipAwait: false };
const container = (objects: { service: string; workload: any }[], service: string) => objects.find((o) => o.service === service)!.workload.spec.template.spec.containers[0];
const podSpec = (objects: { service: string; workload: any }[], service: string) => objects.find((o) => o.service === service)!.workload.spec.template.spec;

describe("the Kubernetes policies on the mapping's objects", () => {
  let p: Planned;
  beforeAll(async () => {
    p = await planK8s();
  });

  it("the committed stack passes every rule", async () => {
    const b = build(p);
    expect(allProblems(b)).toEqual([]);
    expect(await kubernetesVramFindings(b.pods, vramConfig())).toEqual([]);
    expect(networkPolicyProblems(b.pods, b.policies, b.stack.dependsOn, netConfig())).toEqual([]);
    expect(kubernetesOrderingProblems(b.stack, b.services, orderConfig)).toEqual([]);
  });

  it.each<[string, (o: { service: string; workload: any }[]) => void, RegExp]>([
    ["no readiness probe", (o) => delete container(o, "qdrant").readinessProbe, /"qdrant" has no readinessProbe/],
    ["a liveness probe that always passes", (o) => (container(o, "rag").livenessProbe.exec.command = ["true"]), /livenessProbe runs "true", which always passes/],
    ["a probe with no handler", (o) => delete container(o, "rag").startupProbe.exec, /startupProbe has no handler/],
    ["a model server with a 60 s startup budget", (o) => Object.assign(container(o, "inference-chat").startupProbe, { periodSeconds: 6, failureThreshold: 10 }), /loads a model at start-up, but its startupProbe allows only 60s/],
    ["a rolling image tag", (o) => (container(o, "qdrant").image = "qdrant/qdrant:latest"), /image "qdrant\/qdrant:latest" is not pinned/],
    ["a privileged container", (o) => (container(o, "cadvisor").securityContext.privileged = true), /container "cadvisor" is privileged/],
    ["host networking", (o) => (podSpec(o, "node-exporter").hostNetwork = true), /shares the node's network namespace/],
    ["privilege escalation allowed", (o) => delete container(o, "loki").securityContext.allowPrivilegeEscalation, /does not set allowPrivilegeEscalation: false/],
    ["an added capability", (o) => container(o, "qdrant").securityContext.capabilities.add.push("SYS_ADMIN"), /adds capability SYS_ADMIN/],
    ["the Docker socket", (o) => podSpec(o, "cadvisor").volumes.push({ name: "sock", hostPath: { path: "/var/run/docker.sock", type: "Socket" } }), /runtime's socket.*allowlisted or not/],
    ["the host root outside the allowlist", (o) => podSpec(o, "rag").volumes.push({ name: "root", hostPath: { path: "/" } }), /mounts hostPath \/ .*host root filesystem/],
    ["the allowlisted host root read-write", (o) => delete container(o, "node-exporter").volumeMounts.find((m: any) => m.mountPath === "/rootfs").readOnly, /read-write in container "node-exporter"/],
    ["no memory request", (o) => delete container(o, "rag").resources.requests.memory, /no memory request/],
    ["a fractional GPU", (o) => (container(o, "inference-chat").resources.limits["nvidia.com/gpu"] = container(o, "inference-chat").resources.requests["nvidia.com/gpu"] = "0.5"), /hands out whole GPUs/],
    ["a GPU request that differs from its limit", (o) => (container(o, "inference-code").resources.requests["nvidia.com/gpu"] = "2"), /request that differs from its limit/],
    ["a secret as a literal env value", (o) => container(o, "grafana").env.push({ name: "GRAFANA_ADMIN_PASSWORD", value: "hunter2hunter2hunter2" }), /secret GRAFANA_ADMIN_PASSWORD as a literal env value/],
  ])("%s", (_name, mutate, message) => {
    const problems = allProblems(build(p, mutate));
    expect(problems.join("\n")).toMatch(message);
    expect(problems).toHaveLength(1);
  });

  it.each<[string, (o: { service: string; workload: any }[]) => void, RegExp]>([
    ["the code server with every layer and a 32k context", (o) => {
      const args = container(o, "inference-code").args;
      args[args.indexOf("--n-gpu-layers") + 1] = "999";
      args[args.indexOf("--ctx-size") + 1] = "32768";
    }, /GPU "0" .* on node gpu-box-1 is over budget/],
    ["the chat server with two replicas", (o) => (o.find((x) => x.service === "inference-chat")!.workload.spec.replicas = 2), /over budget.*inference-chat x2 replicas/],
    ["the CUDA image without a GPU", (o) => {
      delete container(o, "inference-chat").resources.limits["nvidia.com/gpu"];
      delete container(o, "inference-chat").resources.requests["nvidia.com/gpu"];
    }, /runs the CUDA image .* but asks for no nvidia.com\/gpu/],
    ["a GPU pod on no node", (o) => delete podSpec(o, "inference-code").nodeSelector, /not pinned to a node/],
    ["a GPU pod on a node without a configured GPU", (o) => (podSpec(o, "dcgm-exporter").nodeSelector["kubernetes.io/hostname"] = "nas-1"), /pinned to node nas-1, where the policy config's gpus list no GPU/],
    ["a GPU Deployment that surges on rollout", (o) => (o.find((x) => x.service === "inference-code")!.workload.spec.strategy = { type: "RollingUpdate" }), /RollingUpdate .* two copies on the GPU/],
    ["NVIDIA_VISIBLE_DEVICES set by hand", (o) => container(o, "rag").env.push({ name: "NVIDIA_VISIBLE_DEVICES", value: "all" }), /sets NVIDIA_VISIBLE_DEVICES itself/],
  ])("VRAM budget: %s", async (_name, mutate, message) => {
    const findings = await kubernetesVramFindings(build(p, mutate).pods, vramConfig());
    expect(findings.map((f) => f.message).join("\n")).toMatch(message);
    expect(findings).toHaveLength(1);
  });

  it("network policies: an undeclared caller admitted, a declared one left out, everyone admitted, no default deny", () => {
    const b = build(p);
    const qdrant = b.policies.find((x) => x.name === "qdrant-ingress")!;
    const withMcp = b.policies.map((x) => (x === qdrant ? { ...x, rules: [...x.rules, { from: [{ podSelector: { matchLabels: { "local-ai-suite.stack": "k8s", "local-ai-suite.service": "mcp-server" } } }] }] } : x));
    expect(networkPolicyProblems(b.pods, withMcp, b.stack.dependsOn, netConfig()).map((x) => x.message)).toEqual([
      expect.stringMatching(/admits StatefulSet "mcp-server" to StatefulSet "qdrant", but mcp-server does not declare qdrant/),
    ]);
    const withoutRag = b.policies.map((x) => (x === qdrant ? { ...x, rules: [{ from: qdrant.rules[0]!.from!.filter((f) => f.podSelector?.matchLabels?.["local-ai-suite.service"] !== "rag") }, qdrant.rules[1]!] } : x));
    expect(networkPolicyProblems(b.pods, withoutRag, b.stack.dependsOn, netConfig()).map((x) => x.message)).toEqual([expect.stringMatching(/Deployment "rag" declares qdrant as a dependency, but no NetworkPolicy admits it/)]);
    const open = b.policies.map((x) => (x === qdrant ? { ...x, rules: [...x.rules, { from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }, {}] } : x));
    expect(networkPolicyProblems(b.pods, open, b.stack.dependsOn, netConfig()).map((x) => x.message)).toEqual([
      expect.stringMatching(/admits IP block 0.0.0.0\/0/),
      expect.stringMatching(/admits every source .* \(an ingress rule with no from\)/),
    ]);
    const noDeny = b.policies.filter((x) => !x.name.startsWith("default-deny"));
    expect(networkPolicyProblems(b.pods, noDeny, b.stack.dependsOn, netConfig())).toHaveLength(b.pods.length);
  });

  it("ordering: a call without a dependency, a dependency without readiness or with skipAwait", () => {
    const b = build(p);
    const rag = b.byService.get("rag")!;
    const forgot = { ...b.stack, dependsOn: new Map([...b.stack.dependsOn].map(([k, v]) => [k, k === rag ? v.filter((d) => d.service !== "qdrant") : v])) };
    expect(kubernetesOrderingProblems(forgot, b.services, orderConfig).map((x) => x.message)).toEqual([expect.stringMatching(/"rag" calls qdrant \(env QDRANT_URL=http:\/\/qdrant:6333\) but does not depend on its StatefulSet/)]);
    const unready = build(p, (o) => delete container(o, "embedding-server").readinessProbe);
    expect(kubernetesOrderingProblems(unready.stack, unready.services, orderConfig).map((x) => x.message)).toEqual([expect.stringMatching(/"embedding" depends on Deployment "embedding-server", which has a container without a readinessProbe/)]);
    const skipped = build(p, (o) => (o.find((x) => x.service === "qdrant")!.workload.metadata.annotations = { "pulumi.com/skipAwait": "true" }));
    expect(kubernetesOrderingProblems(skipped.stack, skipped.services, orderConfig)).toHaveLength(3);
    expect(kubernetesOrderingProblems(skipped.stack, skipped.services, { allowSkipAwait: true })).toEqual([]);
  });
});
