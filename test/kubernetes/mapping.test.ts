/** The object mapping, field by field, on the committed Kubernetes stack (the p3 service set). */
import { beforeAll, describe, expect, it } from "vitest";
import {
  configMapObject,
  DEFAULT_KEPT_CAPS,
  defaultDenyObject,
  networkPolicyObject,
  serviceObject,
  workloadObject,
} from "../../lib/kubernetes/objects";
import { GPU_RESOURCE, HOSTNAME_LABEL, SERVICE_LABEL, SKIP_AWAIT_ANNOTATION, STACK_LABEL } from "../../lib/kubernetes/labels";
import { probesFor, startupBudgetSec } from "../../lib/kubernetes/probes";
import { planK8s, svc, type Planned } from "./support";

const refs = { configMap: "the-config", secret: "the-secret" };

describe("ServiceSpec -> Kubernetes objects (Pulumi.k8s.yaml)", () => {
  let p: Planned;
  beforeAll(async () => {
    p = await planK8s();
  });
  const workload = (name: string) => workloadObject(p.k, svc(p.k, name), refs);
  const container = (name: string) => workload(name).spec.template.spec.containers[0]!;

  it("plans the whole p3 service set, in start order, in the configured namespace", () => {
    expect(p.k.services.map((s) => s.service)).toEqual(p.plan.services.map((s) => s.service));
    expect(p.k.services).toHaveLength(18);
    expect(p.k.namespace).toBe("local-ai-suite");
    for (const s of p.k.services) expect(workloadObject(p.k, s, refs).metadata.namespace).toBe("local-ai-suite");
  });

  it("StatefulSets where the service writes data the stack keeps (Qdrant, memory, the MCP security db), Deployments elsewhere", () => {
    const kinds = Object.fromEntries(p.k.services.map((s) => [s.service, s.kind]));
    expect(
      Object.entries(kinds)
        .filter(([, k]) => k === "StatefulSet")
        .map(([s]) => s)
        .sort(),
    ).toEqual(["mcp-server", "memory-api", "memory-maintainer", "qdrant"]);
    expect(workload("qdrant")).toMatchObject({
      kind: "StatefulSet",
      spec: { serviceName: "qdrant", podManagementPolicy: "OrderedReady", replicas: 1 },
    });
    // No port, no Service: serviceName is optional (the API server accepted it, see the engine test).
    expect(workload("memory-maintainer").spec).not.toHaveProperty("serviceName");
  });

  it("image, entrypoint -> command, command -> args", () => {
    const chat = svc(p.k, "inference-chat").spec;
    expect(container("inference-chat")).toMatchObject({ image: chat.image.ref, args: chat.command, imagePullPolicy: "IfNotPresent" });
    expect(container("inference-chat")).not.toHaveProperty("command");
    const alloy = svc(p.k, "alloy").spec;
    expect(container("alloy")).toMatchObject({ command: alloy.entrypoint, args: alloy.command });
  });

  it("built images come from kubernetes.imageRegistry when set, else their local tag", async () => {
    expect(container("rag").image).toBe("local-ai-suite/rag:0.2.0");
    const withRegistry = await planK8s({ kubernetes: { imageRegistry: "registry.lan:5000/ai" } });
    expect(workloadObject(withRegistry.k, svc(withRegistry.k, "rag"), refs).spec.template.spec.containers[0]!.image).toBe(
      "registry.lan:5000/ai/local-ai-suite/rag:0.2.0",
    );
    expect(workloadObject(withRegistry.k, svc(withRegistry.k, "qdrant"), refs).spec.template.spec.containers[0]!.image).toBe(
      "qdrant/qdrant:v1.16.3",
    );
  });

  it("env stays plain; secretEnv comes from the service's Secret, never as a value", () => {
    expect(container("grafana").env.find((e) => e.name === "GF_SECURITY_ADMIN_USER")).toEqual({
      name: "GF_SECURITY_ADMIN_USER",
      value: "admin",
    });
    // LiteLLM reads its upstream key from env only: it comes from the gateway's Secret by reference.
    expect(container("api-gateway").env.find((e) => e.name === "INFERENCE_API_KEY")).toEqual({
      name: "INFERENCE_API_KEY",
      valueFrom: { secretKeyRef: { name: "the-secret", key: "INFERENCE_API_KEY" } },
    });
    for (const s of p.k.services) {
      const names = Object.keys(s.spec.secretEnv);
      for (const e of workloadObject(p.k, s, refs).spec.template.spec.containers[0]!.env.filter((e) => names.includes(e.name)))
        expect(e.value, `${s.service} ${e.name}`).toBeUndefined();
    }
  });

  it("ports and the metrics port become container ports and a ClusterIP Service named after the service (the Docker alias)", () => {
    expect(serviceObject(p.k, svc(p.k, "qdrant"))!.spec).toMatchObject({
      type: "ClusterIP",
      ports: [
        { port: 6333, targetPort: 6333 },
        { port: 6334, targetPort: 6334 },
      ],
    });
    // The node exporter publishes no port on Docker; Prometheus still scrapes node-exporter:9100.
    expect(serviceObject(p.k, svc(p.k, "node-exporter"))!).toMatchObject({
      metadata: { name: "node-exporter" },
      spec: { ports: [{ port: 9100 }] },
    });
    expect(serviceObject(p.k, svc(p.k, "memory-maintainer"))).toBeUndefined();
    expect(container("mcp-server").ports.map((x) => x.containerPort)).toEqual([8020, 8021]);
  });

  it("host directories under dataDir and named volumes become claims; other host directories stay hostPaths", () => {
    expect(p.k.claims.map((c) => [c.name, c.users])).toEqual([
      ["data-vectors-qdrant", ["qdrant"]],
      ["data-vectors-qdrant-snapshots", ["qdrant"]],
      ["data-documents", ["rag"]],
      ["data-sqlite", ["mcp-server"]],
      ["data-memory", ["memory-api", "memory-maintainer"]],
      ["loki-data", ["loki"]],
      ["alloy-data", ["alloy"]],
      ["alertmanager-data", ["alertmanager"]],
      ["prometheus-data", ["prometheus"]],
      ["grafana-data", ["grafana"]],
    ]);
    const qdrant = workload("qdrant").spec.template.spec;
    expect(qdrant.volumes).toEqual([
      { name: "data-vectors-qdrant", persistentVolumeClaim: { claimName: "data-vectors-qdrant" } },
      { name: "data-vectors-qdrant-snapshots", persistentVolumeClaim: { claimName: "data-vectors-qdrant-snapshots" } },
    ]);
    expect(qdrant.containers[0]!.volumeMounts).toEqual([
      { name: "data-vectors-qdrant", mountPath: "/qdrant/storage" },
      { name: "data-vectors-qdrant-snapshots", mountPath: "/qdrant/snapshots" },
    ]);
    const chat = workload("inference-chat").spec.template.spec;
    expect(chat.volumes.filter((v: { hostPath?: unknown }) => v.hostPath)).toEqual([
      { name: "host-0", hostPath: { path: "/mnt/e/ai-models", type: "Directory" } },
    ]);
    expect(chat.containers[0]!.volumeMounts).toContainEqual({ name: "host-0", mountPath: "/models", readOnly: true });
    // RAG's documents: read-only on both sides.
    expect(workload("rag").spec.template.spec.volumes).toContainEqual({
      name: "data-documents",
      persistentVolumeClaim: { claimName: "data-documents", readOnly: true },
    });
    expect(p.k.claims.every((c) => c.sizeGiB === 10)).toBe(true);
  });

  it("claim sizes and class come from kubernetes.volumeGiB / storageClass", async () => {
    const sized = await planK8s({ kubernetes: { volumeGiB: { "data-vectors-qdrant": 50 }, storageClass: "local-path" } });
    expect(sized.k.claims.find((c) => c.name === "data-vectors-qdrant")).toMatchObject({ sizeGiB: 50, storageClass: "local-path" });
  });

  it("rendered files ride in a ConfigMap, each mounted with subPath at its own path", () => {
    const prometheus = svc(p.k, "prometheus");
    const cm = configMapObject(p.k, prometheus)!;
    expect(Object.keys(cm.data)).toEqual(["etc-prometheus-prometheus.yml", "etc-prometheus-rules-alert-rules.yml"]);
    expect(cm.data["etc-prometheus-prometheus.yml"]).toBe(prometheus.spec.files[0]!.content);
    expect(container("prometheus").volumeMounts).toContainEqual({
      name: "config",
      mountPath: "/etc/prometheus/prometheus.yml",
      subPath: "etc-prometheus-prometheus.yml",
      readOnly: true,
    });
    expect(workload("prometheus").spec.template.spec.volumes).toContainEqual({
      name: "config",
      configMap: { name: "the-config", defaultMode: 0o644 },
    });
    expect(configMapObject(p.k, svc(p.k, "qdrant"))).toBeUndefined();
  });

  it("a secret file (Prometheus's Qdrant token) rides in the Secret, not the ConfigMap", async () => {
    const { planStack } = await import("../../lib/plan/stack-plan");
    const { kubernetesPlanConfig, planKubernetes } = await import("../../lib/kubernetes/plan");
    // memory's services cannot send Qdrant's key; without them the stack may set one.
    const config = (await import("./support")).k8sConfig({ memory: { enabled: false } });
    const { REPO_LOCK } = await import("../support/model-lock");
    const plan = planStack(kubernetesPlanConfig(config), {
      stack: "k8s",
      projectDir: ".",
      lock: REPO_LOCK,
      secrets: { qdrantApiKey: true },
    });
    const k = planKubernetes(plan, config);
    const prometheus = svc(k, "prometheus");
    expect(prometheus.secrets).toEqual([
      { key: "etc-prometheus-secrets-inferenceApiKey", secret: "inferenceApiKey", path: "/etc/prometheus/secrets/inferenceApiKey" },
      { key: "etc-prometheus-secrets-qdrantReadOnlyKey", secret: "qdrantReadOnlyKey", path: "/etc/prometheus/secrets/qdrantReadOnlyKey" },
    ]);
    expect(Object.keys(configMapObject(k, prometheus)!.data)).not.toContain("etc-prometheus-secrets-qdrantReadOnlyKey");
    const spec = workloadObject(k, prometheus, refs).spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: "secrets", secret: { secretName: "the-secret", defaultMode: 0o444 } });
    expect(spec.containers[0]!.volumeMounts).toContainEqual({
      name: "secrets",
      mountPath: "/etc/prometheus/secrets/qdrantReadOnlyKey",
      subPath: "etc-prometheus-secrets-qdrantReadOnlyKey",
      readOnly: true,
    });
    // Qdrant's keys ride in its Secret as its config files, templates and all (the component fills them in).
    const qdrant = svc(k, "qdrant");
    expect(qdrant.secrets).toEqual([
      {
        key: "qdrant-config-local.yaml",
        secret: "qdrantApiKey",
        path: "/qdrant/config/local.yaml",
        template: "service:\n  api_key: {{secret}}\n",
      },
      {
        key: "qdrant-config-read-only-key.yaml",
        secret: "qdrantReadOnlyKey",
        path: "/qdrant/config/read-only-key.yaml",
        template: "service:\n  read_only_api_key: {{secret}}\n",
      },
    ]);
    expect(workloadObject(k, qdrant, refs).spec.template.spec.containers[0]!.env ?? []).not.toContainEqual(
      expect.objectContaining({ name: "QDRANT__SERVICE__API_KEY" }),
    );
  });

  it("the healthcheck becomes startup, readiness and liveness probes on every container", () => {
    for (const s of p.k.services) {
      const c = workloadObject(p.k, s, refs).spec.template.spec.containers[0]!;
      expect(c.startupProbe, s.service).toEqual(probesFor(s.spec.healthcheck)!.startupProbe);
      expect(c.readinessProbe, s.service).toBeDefined();
      expect(c.livenessProbe, s.service).toBeDefined();
      // Pulumi's timeout and the Deployment's progress deadline outlast the startup budget.
      expect(s.timeoutSec, s.service).toBeGreaterThan(startupBudgetSec(c.startupProbe!));
    }
    // The model servers' start interval survives on this target (no Docker engine to refuse it).
    expect(container("inference-chat").startupProbe!.periodSeconds).toBe(6);
    expect(workload("inference-chat").spec).toMatchObject({ progressDeadlineSeconds: svc(p.k, "inference-chat").timeoutSec });
  });

  it("GPUs: a whole nvidia.com/gpu as limit and request, pinned to the GPU's node, tolerating the GPU taint, Recreate on rollout", () => {
    const chat = workload("inference-chat");
    const c = chat.spec.template.spec.containers[0]!;
    expect(c.resources.limits[GPU_RESOURCE]).toBe("1");
    expect(c.resources.requests[GPU_RESOURCE]).toBe("1");
    expect(chat.spec.template.spec.nodeSelector).toEqual({ [HOSTNAME_LABEL]: "gpu-box-1" });
    expect(chat.spec.template.spec.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(chat.spec).toMatchObject({ strategy: { type: "Recreate" } });
    expect(chat.spec.template.spec).not.toHaveProperty("runtimeClassName");
    expect(container("api-gateway").resources.limits).not.toHaveProperty(GPU_RESOURCE);
    expect(workload("api-gateway").spec).toMatchObject({
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
  });

  it("gpuRuntimeClass goes on GPU pods only", async () => {
    const rc = await planK8s({ kubernetes: { gpuRuntimeClass: "nvidia" } });
    expect(workloadObject(rc.k, svc(rc.k, "inference-code"), refs).spec.template.spec.runtimeClassName).toBe("nvidia");
    expect(workloadObject(rc.k, svc(rc.k, "qdrant"), refs).spec.template.spec).not.toHaveProperty("runtimeClassName");
  });

  it("memory: limit = request (no swap; the scheduler reserves it); CPU: the limit caps, the request is a fraction", () => {
    expect(container("inference-chat").resources).toEqual({
      limits: { cpu: "4", memory: "6Gi", [GPU_RESOURCE]: "1" },
      requests: { cpu: "1", memory: "6Gi", [GPU_RESOURCE]: "1" },
    });
    expect(container("alertmanager").resources).toEqual({
      limits: { cpu: "500m", memory: "256Mi" },
      requests: { cpu: "125m", memory: "256Mi" },
    });
  });

  it("security context: no escalation, capabilities dropped, user and read-only root as planned, seccomp, no token, no service links", () => {
    const mcp = workload("mcp-server").spec.template.spec;
    expect(mcp.containers[0]!.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsUser: 1000,
      runAsGroup: 1000,
      capabilities: { drop: ["ALL"] },
    });
    expect(mcp.securityContext).toEqual({
      seccompProfile: { type: "RuntimeDefault" },
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
    });
    expect(container("qdrant").securityContext.capabilities).toEqual({ drop: ["ALL"], add: [...DEFAULT_KEPT_CAPS] });
    expect(container("node-exporter").securityContext.readOnlyRootFilesystem).toBe(true);
    // Grafana runs as 472: its fresh claim is made group-writable for it.
    expect(workload("grafana").spec.template.spec.securityContext).toMatchObject({ fsGroup: 472 });
    for (const s of p.k.services) {
      const spec = workloadObject(p.k, s, refs).spec.template.spec;
      expect(spec).toMatchObject({
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        restartPolicy: "Always",
        terminationGracePeriodSeconds: s.spec.lifecycle.stopGraceSec,
      });
    }
  });

  it("labels: the spec's labels on the pods; the stack and service labels select them", () => {
    const qdrant = workload("qdrant");
    expect(qdrant.spec.selector.matchLabels).toEqual({ [STACK_LABEL]: "k8s", [SERVICE_LABEL]: "qdrant" });
    expect(qdrant.spec.template.metadata.labels).toMatchObject(svc(p.k, "qdrant").spec.labels);
    expect(workload("dcgm-exporter").spec.template.metadata.labels).toMatchObject({ "local-ai-suite.vram-mib": "0" });
  });

  it("pulumi.com/skipAwait only with kubernetes.skipAwait (a control plane without nodes), on workloads and Services only", async () => {
    expect(workload("qdrant").metadata.annotations).toBeUndefined();
    const nodeless = await planK8s({ kubernetes: { skipAwait: true } });
    const q = svc(nodeless.k, "qdrant");
    expect(workloadObject(nodeless.k, q, refs).metadata.annotations).toEqual({ [SKIP_AWAIT_ANNOTATION]: "true" });
    expect(serviceObject(nodeless.k, q)!.metadata.annotations).toEqual({ [SKIP_AWAIT_ANNOTATION]: "true" });
    expect(networkPolicyObject(nodeless.k, q)!.metadata).not.toHaveProperty("annotations");
    expect(defaultDenyObject(nodeless.k).metadata).not.toHaveProperty("annotations");
  });
});
