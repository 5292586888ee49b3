/** The components under Pulumi's mocks: what they register for the committed Kubernetes stack, with which options and edges. */
import { beforeAll, describe, expect, it } from "vitest";
import { byUrn, runStackFile, type CapturedResource, type CapturedStack } from "../support/pulumi-harness";

const T = {
  suite: "local-ai-suite:kubernetes:KubernetesSuite",
  service: "local-ai-suite:kubernetes:Service",
  namespace: "kubernetes:core/v1:Namespace",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  deployment: "kubernetes:apps/v1:Deployment",
  statefulset: "kubernetes:apps/v1:StatefulSet",
  svc: "kubernetes:core/v1:Service",
  cm: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  np: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  password: "random:index/randomPassword:RandomPassword",
};

describe("KubernetesSuite under mocks (Pulumi.k8s.yaml)", () => {
  let run: CapturedStack;
  beforeAll(async () => {
    run = await runStackFile("k8s");
  });
  const ofType = (type: string) => run.resources.filter((r) => r.type === type);
  const workload = (service: string) =>
    run.resources.find((r) => (r.type === T.deployment || r.type === T.statefulset) && r.name === `suite-${service}-workload`)!;

  it("registers no Docker resource, one component per service under the suite, children named <component>-<part>", () => {
    expect(run.resources.filter((r) => r.type.startsWith("docker:"))).toEqual([]);
    const suite = ofType(T.suite);
    expect(suite.map((r) => r.name)).toEqual(["suite"]);
    const services = ofType(T.service);
    expect(services).toHaveLength(18);
    for (const s of services) expect(s.parent).toBe(suite[0]!.urn);
    for (const r of run.resources.filter((r) => r.custom && r.parent && byUrn(run, r.parent)?.type === T.service)) {
      expect(r.name.startsWith(`${byUrn(run, r.parent)!.name}-`), r.name).toBe(true);
    }
    expect(ofType(T.deployment).length + ofType(T.statefulset).length).toBe(18);
    expect(ofType(T.svc)).toHaveLength(17);
    expect(ofType(T.np)).toHaveLength(17); // 16 services with callers or scrapes + the default deny
  });

  it("the namespace and every claim are retained on destroy; nothing else is", () => {
    const retained = run.resources.filter((r) => r.options.retainOnDelete).map((r) => r.type);
    expect(retained.filter((t) => t === T.namespace)).toHaveLength(1);
    expect(retained.filter((t) => t === T.pvc)).toHaveLength(10);
    expect(retained).toHaveLength(11);
  });

  it("each workload waits for the workloads of the services it calls and for the claims it mounts (and, like every object, its namespace)", () => {
    expect(workload("rag").dependencies.map((u) => byUrn(run, u)!.type)).toContain(T.namespace);
    const deps = (service: string) =>
      workload(service)
        .dependencies.map((u) => byUrn(run, u)!)
        .filter((r: CapturedResource) => [T.deployment, T.statefulset, T.pvc].includes(r.type))
        .map((r: CapturedResource) => (r.type === T.pvc ? `pvc:${r.inputs.metadata.name}` : r.name.replace(/^suite-|-workload$/g, "")))
        .sort();
    expect(deps("rag")).toEqual(["api-gateway", "embedding", "pvc:data-documents", "qdrant"]);
    expect(deps("api-gateway")).toEqual(["inference-chat", "inference-code"]);
    expect(deps("memory-maintainer")).toEqual(["embedding", "pvc:data-memory", "qdrant"]);
    expect(deps("inference-chat")).toEqual([]);
  });

  it("workloads: fixed names replaced delete-first, Pulumi's timeouts from the plan", () => {
    const chat = workload("inference-chat");
    expect(chat.options.deleteBeforeReplace).toBe(true);
    expect(chat.options.customTimeouts).toMatchObject({ create: "15m24s", update: "15m24s" });
    expect(chat.inputs.metadata).toMatchObject({ name: "inference-chat", namespace: "local-ai-suite" });
  });

  it("secrets: a generated Grafana password, held in a Secret as a Pulumi secret, referenced by name", () => {
    expect(ofType(T.password).map((r) => r.name)).toEqual(["suite-grafanaAdminPassword", "suite-inferenceApiKey"]);
    const [secret] = ofType(T.secret);
    expect(secret!.name).toBe("suite-grafana-secret");
    expect(secret!.secretPaths).toContain("stringData");
    expect(secret!.inputs.metadata).not.toHaveProperty("name");
    expect(secret!.inputs).toMatchObject({
      type: "Opaque",
      metadata: { namespace: "local-ai-suite", labels: { "local-ai-suite.stack": "k8s", "app.kubernetes.io/name": "grafana" } },
    });
    // The password is a file Grafana reads (GF_SECURITY_ADMIN_PASSWORD__FILE), mounted from the Secret by name.
    const env = workload("grafana").inputs.spec.template.spec.containers[0].env;
    expect(env.find((e: { name: string }) => e.name === "GF_SECURITY_ADMIN_PASSWORD__FILE")).toEqual({
      name: "GF_SECURITY_ADMIN_PASSWORD__FILE",
      value: "/run/secrets/grafana-admin-password",
    });
    expect(secret!.inputs.stringData).toHaveProperty("run-secrets-grafana-admin-password");
    expect(workload("grafana").propertyDependencies.spec).toContain(secret!.urn);
    expect(JSON.stringify(workload("grafana").inputs)).not.toContain("generatedsuitegrafanaAdminPassword");
  });

  it("stack outputs: namespace, in-cluster URLs, port-forwards for the Docker host ports, GPU sharing", () => {
    expect(run.outputs).toMatchObject({
      target: "kubernetes",
      namespace: "local-ai-suite",
      services: { "api-gateway": "http://api-gateway.local-ai-suite.svc:8000" },
      portForward: {
        "api-gateway": "kubectl -n local-ai-suite port-forward svc/api-gateway 8000:8000",
        "inference-code": "kubectl -n local-ai-suite port-forward svc/inference-code 8004:8001",
      },
      gpuSharing: [
        { gpu: "0", node: "gpu-box-1", mode: "time-slicing", slots: 4, pods: ["inference-chat", "inference-code", "dcgm-exporter"] },
      ],
    });
  });
});
