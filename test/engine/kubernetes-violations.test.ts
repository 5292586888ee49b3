/**
 * The Kubernetes policies catch what they claim to under the real engine, on
 * a first preview against a real API server (test/support/kube-cluster.ts):
 * programs that break each policy make `pulumi preview` fail with that
 * policy's name, on the resource that breaks it, and no other mandatory
 * policy fires. Two kinds of programs, as for Docker: plain @pulumi/kubernetes
 * objects (fixtures/raw-kubernetes-violations) and the project's own plan,
 * mapping and components with one spec or decision tampered with
 * (fixtures/tampered-kubernetes-suite, on the p2 service set).
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubernetesPolicies } from "../../policies/policies";
import { p2OnKubernetes } from "../kubernetes/support";
import { startCluster, type Cluster } from "../support/kube-cluster";
import { cleanup, FIXTURES_DIR, initStack, policyEvents, preview, REPO_DIR, tempProject, urnName, type EngineRun, type Project } from "../support/pulumi-cli";

function mandatoryVerdicts(run: EngineRun): [string, string][] {
  const seen = new Set<string>();
  for (const e of policyEvents(run)) if (e.enforcementLevel === "mandatory") seen.add(JSON.stringify([urnName(e.resourceUrn), e.policyName]));
  return [...seen].map((s) => JSON.parse(s) as [string, string]).sort();
}

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 180_000);
afterAll(() => cluster?.stop());

function onCluster(project: Project): Project {
  project.env.KUBECONFIG = cluster.kubeconfig;
  return project;
}

describe("Kubernetes objects written with @pulumi/kubernetes directly", () => {
  let project: Project;
  let run: EngineRun;
  beforeAll(async () => {
    project = onCluster(tempProject({ fixture: "raw-kubernetes-violations", stacks: { dev: {} } }));
    await initStack(project, "dev");
    run = await preview(project, { stack: "dev", pack: { config: path.join(FIXTURES_DIR, "raw-kubernetes-violations", "policy-config.json") } });
  }, 180_000);
  afterAll(() => project && cleanup(project));

  it("fails the preview with exactly one policy per case, on the case's resource", () => {
    expect(run.code, run.output).not.toBe(0);
    expect(mandatoryVerdicts(run).map(([name, policy]) => [name.replace(/^case-gpu-[ab]$/, "case-gpu-a|b"), policy])).toEqual(
      [
        ["case-client", "kubernetes-health-gated-ordering"],
        ["case-docker-sock", "kubernetes-host-paths"],
        ["case-gpu-a|b", "kubernetes-gpu-vram-budget"],
        ["case-latest", "kubernetes-image-pinned"],
        ["case-no-limits", "kubernetes-resources"],
        ["case-no-probes", "kubernetes-probes"],
        ["case-nodeport", "kubernetes-exposure"],
        ["case-open-ingress", "kubernetes-network-policies"],
        ["case-plain-secret", "kubernetes-secrets"],
        ["case-privileged", "kubernetes-pod-security"],
        ["case-silent-cpu", "kubernetes-gpu-vram-budget"],
      ].sort(),
    );
    // The over-budget pair is reported once, on the bigger claim (equal here, so either).
    expect(policyEvents(run).filter((e) => e.policyName === "kubernetes-gpu-vram-budget" && /over budget/.test(e.message))).toHaveLength(1);
  });

  it("exercises every Kubernetes policy", () => {
    expect([...new Set(mandatoryVerdicts(run).map(([, p]) => p))].sort()).toEqual(kubernetesPolicies.map((p) => p.name).sort());
  });

  it("says what is wrong and how to fix it", () => {
    const message = (policy: string) => policyEvents(run).find((e) => e.policyName === policy)!.message;
    expect(message("kubernetes-host-paths")).toMatch(/\/var\/run\/docker.sock .*runtime's socket.*Fix: remove it/s);
    expect(message("kubernetes-gpu-vram-budget")).toMatch(/Fix:/);
    expect(message("kubernetes-health-gated-ordering")).toMatch(/calls case-server \(env SERVER_URL=http:\/\/case-server:80\) but does not depend on/);
  });
});

describe("the project's own Kubernetes components with one spec or decision tampered with", () => {
  const CASES: [string, [string, string][]][] = [
    ["none", []],
    ["rag-forgets-qdrant", [["suite-rag-workload", "kubernetes-health-gated-ordering"]]],
    [
      "qdrant-without-healthcheck",
      [
        ["suite-qdrant-workload", "kubernetes-probes"],
        ["suite-rag-workload", "kubernetes-health-gated-ordering"],
      ],
    ],
    ["code-server-over-vram", [["suite-inference-code-workload", "kubernetes-gpu-vram-budget"]]],
    ["chat-server-loses-gpu", [["suite-inference-chat-workload", "kubernetes-gpu-vram-budget"]]],
    ["rag-gets-docker-socket", [["suite-rag-workload", "kubernetes-host-paths"]]],
    ["gateway-key-in-plain-env", [["suite-api-gateway-workload", "kubernetes-secrets"]]],
    ["qdrant-admits-embedding", [["suite-qdrant-ingress", "kubernetes-network-policies"]]],
  ];
  let project: Project;
  beforeAll(async () => {
    const base = p2OnKubernetes();
    project = onCluster(tempProject({ fixture: "tampered-kubernetes-suite", stacks: Object.fromEntries(CASES.map(([tamper]) => [tamper, { ...base, "tampered-kubernetes-suite:tamper": tamper }])) }));
    for (const [tamper] of CASES) await initStack(project, tamper);
  }, 180_000);
  afterAll(() => project && cleanup(project));

  it.each(CASES)("%s: the preview gives exactly the expected verdicts", async (tamper, expected) => {
    const run = await preview(project, { stack: tamper, pack: { config: path.join(REPO_DIR, "policies", "config", "k8s.json") } });
    expect(run.code === 0, run.output).toBe(expected.length === 0);
    expect(mandatoryVerdicts(run)).toEqual([...expected].sort());
    expect(policyEvents(run).filter((e) => /can't run policy/.test(e.message))).toEqual([]);
  }, 120_000);
});
