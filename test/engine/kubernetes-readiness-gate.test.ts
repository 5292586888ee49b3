/**
 * Health-gated creation on a real API server, and what a cluster without a
 * node for the GPU does: no kubernetes.skipAwait, so Pulumi waits for each
 * workload to be ready before creating the workloads that call it. This
 * control plane has no nodes at all, so no pod is ever scheduled: the
 * services nothing depends on (the inference pair, Qdrant, the embedding
 * server) are created and time out unready, and their dependents (the
 * gateway, embedding, RAG) are never created. A real cluster with no GPU node
 * (or no free time-slicing slot) does the same for the GPU pods: they stay
 * Pending (Unschedulable), `pulumi up` fails after their timeout, and nothing
 * that calls them starts. The fixture cuts the plan's timeouts (17 minutes for
 * a model server) to 25 s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { p2OnKubernetes } from "../kubernetes/support";
import { kubeGet, startCluster, type Cluster } from "../support/kube-cluster";
import { cleanup, initStack, runWithEvents, steps, tempProject, urnName, type EngineRun, type Project } from "../support/pulumi-cli";

describe("pulumi up waits for readiness before creating dependents", () => {
  let cluster: Cluster;
  let project: Project;
  let run: EngineRun;
  beforeAll(async () => {
    cluster = await startCluster();
    project = tempProject({ fixture: "tampered-kubernetes-suite", stacks: { gate: { ...p2OnKubernetes(), "tampered-kubernetes-suite:tamper": "short-timeouts" } } });
    project.env.KUBECONFIG = cluster.kubeconfig;
    await initStack(project, "gate");
    run = await runWithEvents(project, ["up", "--yes"], ["--stack", "gate"]);
  }, 300_000);
  afterAll(() => {
    cluster?.stop();
    if (project) cleanup(project);
  });

  const workloads = (ops: string[]) =>
    steps(run)
      .filter((s) => ops.includes(s.op) && /apps\/v1:(Deployment|StatefulSet)$/.test(s.type))
      .map((s) => urnName(s.urn).replace(/^suite-|-workload$/g, ""))
      .sort();

  it("fails on the workloads that never become ready, saying why", () => {
    expect(run.code).not.toBe(0);
    const failed = run.events.flatMap((e) => (e.resOpFailedEvent ? [urnName(e.resOpFailedEvent.metadata.urn).replace(/^suite-|-workload$/g, "")] : [])).sort();
    expect(failed).toEqual(["embedding-server", "inference-chat", "inference-code", "qdrant"]);
    expect(run.output).toMatch(/'inference-chat' timed out waiting to be Ready/);
    expect(run.output).toMatch(/Minimum number of live Pods was not attained/);
  });

  it("creates the dependencies first and never their dependents", () => {
    expect(workloads(["create"])).toEqual(["embedding-server", "inference-chat", "inference-code", "qdrant"]);
    const stored = [...kubeGet(cluster, "local-ai-suite", "deployments"), ...kubeGet(cluster, "local-ai-suite", "statefulsets")].map((w) => w.metadata.name).sort();
    expect(stored).toEqual(["embedding-server", "inference-chat", "inference-code", "qdrant"]);
    // The pods exist and wait for a node.
    expect(kubeGet(cluster, "local-ai-suite", "pods").map((p) => p.status.phase)).toEqual(["Pending", "Pending", "Pending", "Pending"]);
  });
});
