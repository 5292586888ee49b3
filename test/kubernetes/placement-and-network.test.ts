/** Node placement, GPU slots and the derived NetworkPolicies; what cannot run as planned fails with the config key. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/errors";
import { defaultDenyObject, networkPolicyObject } from "../../lib/kubernetes/objects";
import { callersOf } from "../../lib/kubernetes/network-policies";
import { PROMETHEUS } from "../../lib/plan/monitoring/endpoints";
import { planK8s, svc } from "./support";

async function problemsOf(overrides: Record<string, unknown>, stack = "k8s") {
  try {
    await planK8s(overrides, stack);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(overrides)} to be refused`);
}

const GPU0 = { id: "0", name: "NVIDIA GeForce RTX 4050 Laptop GPU", totalMiB: 6141, reserveMiB: 400, node: "gpu-box-1" };

describe("placement", () => {
  it("GPU pods go to their GPU's node; pods with host paths to kubernetes.hostPathNode (default: the GPUs' one node); others anywhere", async () => {
    const { k } = await planK8s();
    expect(svc(k, "inference-code").placement).toMatchObject({ node: "gpu-box-1", gpuCount: 1, gpuIds: ["0"] });
    expect(svc(k, "mcp-server").placement).toMatchObject({ node: "gpu-box-1", gpuCount: 0 });
    expect(svc(k, "mcp-server").placement.reason).toMatch(/host path \/mnt\/e\/local-ai-suite/);
    expect(svc(k, "qdrant").placement).toEqual({ gpuCount: 0, gpuIds: [] });
    expect(k.hostPathNode).toBe("gpu-box-1");
    const elsewhere = await planK8s({ kubernetes: { hostPathNode: "nas-1" } });
    expect(svc(elsewhere.k, "memory-api").placement.node).toBe("nas-1");
    expect(svc(elsewhere.k, "inference-chat").placement.node).toBe("gpu-box-1");
  });

  it("what shares each GPU: pods, slots, and the GPU plan's estimate against the budget", async () => {
    const { k, plan } = await planK8s();
    expect(k.gpus).toEqual([
      { gpu: "0", node: "gpu-box-1", services: ["inference-chat", "inference-code", "dcgm-exporter"], slots: 4, mode: "time-slicing", budgetMiB: 5741, estimatedMiB: plan.gpuPlan.gpus[0]!.estimatedMiB },
    ]);
    expect(k.gpus[0]!.estimatedMiB).toBeLessThanOrEqual(k.gpus[0]!.budgetMiB);
  });

  it("a GPU without a node", async () => {
    const [problem] = await problemsOf({ gpus: [{ ...GPU0, node: undefined }] });
    expect(problem).toMatchObject({ key: "gpus[0].node", fix: "pulumi config set --path 'gpus[0].node' <node name from kubectl get nodes>" });
    expect(problem!.allowed).toMatch(/inference-chat runs on GPU "0".*by count, not by id/);
  });

  it("two of the stack's GPUs on one node (the device plugin picks the device inside a node)", async () => {
    const problems = await problemsOf({ gpus: [GPU0, { ...GPU0, id: "1" }], inference: { code: { gpu: "1" } }, monitoring: { dcgmExporter: { enabled: false } } });
    expect(problems.map((p) => p.key)).toEqual(["gpus[1].node"]);
    expect(problems[0]!.allowed).toMatch(/both on node gpu-box-1/);
  });

  it("more pods on a GPU than the cluster offers slots, per sharing mode", async () => {
    const exclusive = await problemsOf({ kubernetes: { gpuSharing: { mode: "exclusive" } } });
    expect(exclusive).toHaveLength(1);
    expect(exclusive[0]).toMatchObject({ key: "kubernetes.gpuSharing.mode", value: "exclusive" });
    expect(exclusive[0]!.allowed).toMatch(/3 pods \(inference-chat, inference-code, dcgm-exporter\).*1 slot .*2 would stay Pending/);
    const few = await problemsOf({ kubernetes: { gpuSharing: { replicas: 2 } } });
    expect(few[0]).toMatchObject({ key: "kubernetes.gpuSharing.replicas", value: 2, fix: expect.stringContaining("'kubernetes.gpuSharing.replicas' 3") });
    // Without the exporter and with one server on the CPU, one exclusive GPU is enough.
    const { k } = await planK8s({ kubernetes: { gpuSharing: { mode: "exclusive" } }, monitoring: { dcgmExporter: { enabled: false } }, inference: { code: { mode: "cpu" } } });
    expect(k.gpus[0]).toMatchObject({ services: ["inference-chat"], slots: 1 });
  });

  it("host paths with no node to hold them, and the DCGM exporter across two GPU nodes", async () => {
    const problems = await problemsOf({ gpus: [GPU0, { ...GPU0, id: "1", node: "gpu-box-2" }], inference: { code: { gpu: "1" } } });
    expect([...new Set(problems.map((p) => p.key))].sort()).toEqual(["gpus", "kubernetes.hostPathNode"]);
    expect(problems.find((p) => p.key === "gpus")!.fix).toMatch(/monitoring.dcgmExporter.enabled' false/);
    expect(problems.filter((p) => p.key === "kubernetes.hostPathNode").map((p) => p.allowed.split(" ")[0])).toEqual(["embedding-server", "mcp-server", "memory-api", "memory-maintainer", "node-exporter", "cadvisor", "alloy"]);
    // Named, it plans: the servers on their own GPU nodes, the host-path pods on the named node.
    const { k } = await planK8s({ gpus: [GPU0, { ...GPU0, id: "1", node: "gpu-box-2" }], inference: { code: { gpu: "1" } }, monitoring: { dcgmExporter: { enabled: false } }, kubernetes: { hostPathNode: "gpu-box-1" } });
    expect(k.gpus.map((g) => [g.gpu, g.node, g.services])).toEqual([["0", "gpu-box-1", ["inference-chat"]], ["1", "gpu-box-2", ["inference-code"]]]);
  });

  it("a stack name that cannot be a label value", async () => {
    const [problem] = await problemsOf({}, "a-stack-name-that-is-far-too-long-to-be-a-kubernetes-label-value-x");
    expect(problem!.key).toBe("(stack name)");
  });
});

describe("NetworkPolicies admit exactly the callers the plan declares, plus Prometheus's scrapes", () => {
  it("qdrant: rag and the memory services on its ports, Prometheus on its metrics port", async () => {
    const { k } = await planK8s();
    const policy = networkPolicyObject(k, svc(k, "qdrant"))!;
    expect(policy.spec.podSelector.matchLabels).toEqual({ "local-ai-suite.stack": "k8s", "local-ai-suite.service": "qdrant" });
    expect(policy.spec.ingress.map((r) => [r.from.map((f) => f.podSelector.matchLabels["local-ai-suite.service"]), r.ports.map((p) => p.port)])).toEqual([
      [["rag", "memory-api", "memory-maintainer"], [6333, 6334]],
      [["prometheus"], [6333]],
    ]);
  });

  it("for every service: the admitted set is its dependents (dependsOn) and the scraper, nothing else", async () => {
    const { k, plan } = await planK8s();
    for (const s of k.services) {
      const admitted = (networkPolicyObject(k, s)?.spec.ingress ?? []).flatMap((r) => r.from.map((f) => f.podSelector.matchLabels["local-ai-suite.service"])).sort();
      const expected = [...new Set([...callersOf(plan.services, s.service), ...(s.spec.metrics && s.service !== PROMETHEUS.service ? [PROMETHEUS.service] : [])])].sort();
      expect(admitted, s.service).toEqual(expected);
    }
    // Nobody declares the memory API (the host reaches it with kubectl port-forward): no policy, the default deny holds.
    expect(networkPolicyObject(k, svc(k, "memory-api"))).toBeUndefined();
    expect(defaultDenyObject(k).spec).toEqual({ podSelector: { matchLabels: { "local-ai-suite.stack": "k8s", "app.kubernetes.io/part-of": "local-ai-suite" } }, policyTypes: ["Ingress"], ingress: [] });
  });
});
