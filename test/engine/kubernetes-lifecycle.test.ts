/**
 * The Kubernetes target end to end on a real API server (a loopback control
 * plane without nodes: test/support/kube-cluster.ts): `pulumi preview` and
 * `pulumi up` of the committed Kubernetes stack (the full p3 service set) with
 * the policy pack, what the API server stored, what it refuses, a second
 * preview with --expect-no-changes, a change that rolls one Deployment only,
 * and `pulumi destroy` leaving the claims. Pods never run here, so the stack
 * sets kubernetes.skipAwait (workloads and Services, whose readiness never
 * comes) and the pack's copy of policies/config/k8s.json allows it; nothing
 * else differs from the committed files. A capture pack records what the
 * engine hands the policies on a first and on a later preview, and the
 * Kubernetes policies are run on exactly those shapes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyResourceOptions } from "@pulumi/policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { SKIP_AWAIT_ANNOTATION } from "../../lib/kubernetes/labels";
import { probesFor } from "../../lib/kubernetes/probes";
import { hostPathProblems } from "../../policies/kubernetes-host-paths";
import { imageProblems } from "../../policies/kubernetes-image-pinned";
import { podSecurityProblems } from "../../policies/kubernetes-pod-security";
import { probeProblems } from "../../policies/kubernetes-probes";
import { resourceProblems } from "../../policies/kubernetes-resources";
import { podSecretProblems } from "../../policies/kubernetes-secrets";
import { isPodType, podView } from "../../policies/support/kubernetes-view";
import { planK8s, type Planned } from "../kubernetes/support";
import { KUBERNETES_CASES, predictKubernetes } from "./kubernetes-review-prediction";
import { kubectl, kubeGet, startCluster, type Cluster, type KubeObject } from "../support/kube-cluster";
import {
  cleanup,
  diagnostics,
  FIXTURES_DIR,
  initStack,
  packArgs,
  policyEvents,
  REPO_DIR,
  runWithEvents,
  steps,
  tempProject,
  urnName,
  writeStackFile,
  type EngineRun,
  type Project,
} from "../support/pulumi-cli";

const STACK = "k8s";
const NS = "local-ai-suite";

interface Captured {
  urn: string;
  type: string;
  props: Record<string, any>;
  unknown: string[];
  opts: PolicyResourceOptions;
}

function stackConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { config } = parseYaml(fs.readFileSync(path.join(REPO_DIR, "Pulumi.k8s.yaml"), "utf8")) as { config: Record<string, any> };
  const merged: Record<string, unknown> = {
    ...config,
    "local-ai-suite:kubernetes": { ...config["local-ai-suite:kubernetes"], skipAwait: true },
  };
  for (const [key, value] of Object.entries(extra)) merged[key] = { ...(merged[key] as object), ...(value as object) };
  return merged;
}

/** The pack's per-object Kubernetes rules, with the committed config's values. */
function podRuleProblems(captured: Captured[]): string[] {
  const config = JSON.parse(fs.readFileSync(path.join(REPO_DIR, "policies", "config", "k8s.json"), "utf8"));
  return captured
    .filter((r) => isPodType(r.type))
    .flatMap((r) => {
      const pod = podView({ urn: r.urn, type: r.type, name: urnName(r.urn), props: r.props, opts: r.opts })!;
      return [
        ...probeProblems(pod, config["kubernetes-probes"]),
        ...imageProblems(pod),
        ...podSecurityProblems(pod, config["kubernetes-pod-security"]),
        ...hostPathProblems(pod, config["kubernetes-host-paths"]),
        ...resourceProblems(pod, config["kubernetes-resources"]),
        ...podSecretProblems(pod, { ...config["kubernetes-secrets"], extraSecretEnvNames: [], extraWeakValues: [] }),
      ];
    });
}

const changed = (run: EngineRun) =>
  steps(run)
    .filter((s) => s.op !== "same" && !s.type.startsWith("local-ai-suite:") && s.type !== "pulumi:pulumi:Stack")
    .map((s) => `${s.op} ${urnName(s.urn)}`)
    .sort();

describe("the Kubernetes stack (the p3 service set) on a real API server", () => {
  let cluster: Cluster;
  let project: Project;
  let planned: Planned;
  let packConfig: string;
  let emptyConfig: string;
  const capture = (name: string) => path.join(project.work, `${name}.json`);
  const withPacks = () => [
    ...packArgs(STACK, { config: packConfig }),
    "--policy-pack",
    path.join(FIXTURES_DIR, "capture-pack"),
    "--policy-pack-config",
    emptyConfig,
  ];
  const env = (name: string) => ({ ENGINE_CAPTURE_FILE: capture(name) });
  const captured = (name: string) => JSON.parse(fs.readFileSync(capture(name), "utf8")) as { resources: Captured[]; stack: Captured[] };
  const get = (kind: string) => kubeGet<KubeObject>(cluster, NS, kind);

  beforeAll(async () => {
    cluster = await startCluster();
    project = tempProject({ stacks: { [STACK]: stackConfig() } });
    project.env.KUBECONFIG = cluster.kubeconfig;
    await initStack(project, STACK);
    const config = JSON.parse(fs.readFileSync(path.join(REPO_DIR, "policies", "config", "k8s.json"), "utf8"));
    config["kubernetes-health-gated-ordering"].allowSkipAwait = true;
    packConfig = path.join(project.work, "k8s-pack-config.json");
    emptyConfig = path.join(project.work, "empty.json");
    fs.writeFileSync(packConfig, JSON.stringify(config));
    fs.writeFileSync(emptyConfig, "{}");
    planned = await planK8s({ kubernetes: { skipAwait: true } }, STACK);
  }, 180_000);
  afterAll(() => {
    cluster?.stop();
    if (project) cleanup(project);
  });

  it("pulumi preview with the pack passes, every policy reaching a verdict, every object planned", async () => {
    const run = await runWithEvents(project, ["preview"], ["--stack", STACK, ...withPacks()], { env: env("first") });
    expect(run.code, run.output).toBe(0);
    expect(policyEvents(run).filter((e) => e.enforcementLevel === "mandatory")).toEqual([]);
    expect(policyEvents(run).filter((e) => /can't run policy/.test(e.message))).toEqual([]);
    expect(diagnostics(run).filter((d) => d.severity === "error")).toEqual([]);
    const creates = steps(run).filter((s) => s.op === "create" && s.type.startsWith("kubernetes:"));
    const count = (type: string) => creates.filter((s) => s.type === type).length;
    expect({
      namespaces: count("kubernetes:core/v1:Namespace"),
      claims: count("kubernetes:core/v1:PersistentVolumeClaim"),
      deployments: count("kubernetes:apps/v1:Deployment"),
      statefulSets: count("kubernetes:apps/v1:StatefulSet"),
      services: count("kubernetes:core/v1:Service"),
      configMaps: count("kubernetes:core/v1:ConfigMap"),
      secrets: count("kubernetes:core/v1:Secret"),
      networkPolicies: count("kubernetes:networking.k8s.io/v1:NetworkPolicy"),
    }).toEqual({
      namespaces: 1,
      claims: 10,
      deployments: 14,
      statefulSets: 4,
      services: 17,
      configMaps: 6,
      // Grafana's password; the llama-servers' key for inference-chat, inference-code, embedding-server, the gateway,
      // the embedding service and Prometheus (each workload's secrets in a Secret of its own).
      secrets: 7,
      networkPolicies: 17,
    });
  }, 240_000);

  it("first preview: the engine hands policies the program's objects (no server defaults yet: the namespace does not exist), a generated secret unknown", () => {
    const { resources, stack } = captured("first");
    const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    expect(secret.unknown).toEqual(["stringData"]);
    expect(secret.opts.additionalSecretOutputs).toEqual(["data", "stringData"]);
    const chat = (list: Captured[]) => list.find((r) => urnName(r.urn) === "suite-inference-chat-workload")!;
    expect(chat(resources).unknown).toEqual([]);
    expect(chat(stack).props.status).toBeUndefined();
    expect(chat(stack).props.spec).toEqual(chat(resources).props.spec);
    // Autonamed ConfigMaps are named at check time, so references to them are known.
    const gateway = resources.find((r) => urnName(r.urn) === "suite-api-gateway-workload")!;
    expect(gateway.props.spec.template.spec.volumes.find((v: any) => v.name === "config").configMap.name).toMatch(
      /^suite-api-gateway-config-[0-9a-f]{8}$/,
    );
    expect(podRuleProblems(resources)).toEqual([]);
    expect(podRuleProblems(stack)).toEqual([]);
  });

  it("pulumi up with the pack: the API server accepts every object", async () => {
    const run = await runWithEvents(project, ["up", "--yes"], ["--stack", STACK, ...packArgs(STACK, { config: packConfig })]);
    expect(run.code, run.output).toBe(0);
    expect(diagnostics(run).filter((d) => d.severity === "error")).toEqual([]);
  }, 300_000);

  it("the API server stored the probes, GPU limits and placement, claims and secrets by reference; every pod waits for a node", () => {
    const workloads = [...get("deployments"), ...get("statefulsets")];
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(planned.k.services.map((s) => s.name).sort());
    for (const s of planned.k.services) {
      const stored = workloads.find((w) => w.metadata.name === s.name)!;
      const c = stored.spec.template.spec.containers[0];
      const probes = probesFor(s.spec.healthcheck)!;
      // Stored with the server's defaults filled in (none differ from what the mapping sets).
      expect(c.startupProbe, s.service).toEqual(probes.startupProbe);
      expect(c.readinessProbe, s.service).toEqual(probes.readinessProbe);
      expect(c.livenessProbe, s.service).toEqual(probes.livenessProbe);
      expect(c.securityContext.allowPrivilegeEscalation, s.service).toBe(false);
      expect(stored.metadata.annotations?.[SKIP_AWAIT_ANNOTATION], s.service).toBe("true");
    }
    const chat = workloads.find((w) => w.metadata.name === "inference-chat")!.spec.template.spec;
    expect(chat.containers[0].resources).toEqual({
      limits: { cpu: "4", memory: "6Gi", "nvidia.com/gpu": "1" },
      requests: { cpu: "1", memory: "6Gi", "nvidia.com/gpu": "1" },
    });
    expect(chat.nodeSelector).toEqual({ "kubernetes.io/hostname": "gpu-box-1" });

    const policies = get("networkpolicies");
    const admitted = (name: string) =>
      policies
        .find((p) => p.metadata.name === name)!
        .spec.ingress.map((r: any) => [
          r.from.map((f: any) => f.podSelector.matchLabels["local-ai-suite.service"]),
          r.ports.map((p: any) => p.port),
        ]);
    expect(admitted("qdrant-ingress")).toEqual([
      [
        ["rag", "memory-api", "memory-maintainer"],
        [6333, 6334],
      ],
      [["prometheus"], [6333]],
    ]);
    expect(admitted("api-gateway-ingress")).toEqual([[["rag", "mcp-server"], [8000]]]);
    expect(policies.find((p) => p.metadata.name === "default-deny-ingress")!.spec).toMatchObject({
      policyTypes: ["Ingress"],
      podSelector: { matchLabels: { "local-ai-suite.stack": STACK } },
    });
    expect(policies).toHaveLength(17);

    // Grafana's admin password rides as a file (GF_SECURITY_ADMIN_PASSWORD__FILE), from its Secret by reference.
    const FILE_KEY = "run-secrets-grafana-admin-password";
    const secret = get("secrets").find((s) => s.data?.[FILE_KEY] !== undefined);
    expect(Object.keys(secret!.data!)).toEqual([FILE_KEY]);
    expect(Buffer.from(secret!.data![FILE_KEY]!, "base64").toString()).toMatch(/^[A-Za-z0-9]{40}$/);
    const grafana = workloads.find((w) => w.metadata.name === "grafana")!.spec.template.spec.containers[0];
    expect(grafana.env.find((e: any) => e.name === "GF_SECURITY_ADMIN_PASSWORD__FILE")).toEqual({
      name: "GF_SECURITY_ADMIN_PASSWORD__FILE",
      value: "/run/secrets/grafana-admin-password",
    });
    expect(grafana.env.some((e: any) => e.name === "GF_SECURITY_ADMIN_PASSWORD")).toBe(false);

    const claims = get("persistentvolumeclaims");
    expect(claims.map((c) => c.metadata.name).sort()).toEqual(planned.k.claims.map((c) => c.name).sort());
    // Bound on first consumer, and no pod is ever scheduled here.
    expect(new Set(claims.map((c) => c.status.phase))).toEqual(new Set(["Pending"]));
    const pods = get("pods");
    expect(pods).toHaveLength(18);
    expect(new Set(pods.map((p) => p.status.phase))).toEqual(new Set(["Pending"]));
    expect(get("services").map((s) => s.spec.type)).toEqual(Array(17).fill("ClusterIP"));
  });

  it("what the API server refuses, and the pack refuses at preview, before a namespace exists to dry-run into", () => {
    const stored = get("deployments").find((d) => d.metadata.name === "inference-chat");
    const fresh = () => {
      const d = structuredClone(stored!) as any;
      d.metadata = { name: "dry-run-check", namespace: NS };
      delete d.status;
      d.apiVersion = "apps/v1";
      d.kind = "Deployment";
      return d;
    };
    const refused = (mutate: (d: any) => void): string => {
      const d = fresh();
      mutate(d);
      const out = kubectl(cluster, ["create", "--dry-run=server", "-f", "-"], { input: JSON.stringify(d), check: false });
      expect(out.status, out.stdout).not.toBe(0);
      return out.stderr;
    };
    const packSays = (mutate: (d: any) => void) => {
      const d = fresh();
      mutate(d);
      return podRuleProblems([
        {
          urn: "urn:dry-run",
          type: "kubernetes:apps/v1:Deployment",
          props: d,
          unknown: [],
          opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 1200, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
          },
        },
      ]).join("\n");
    };
    const fractional = (d: any) =>
      (d.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = d.spec.template.spec.containers[0].resources.requests[
        "nvidia.com/gpu"
      ] =
        "500m");
    const unequal = (d: any) => (d.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = "2");
    const noHandler = (d: any) => delete d.spec.template.spec.containers[0].readinessProbe.exec;
    const requestOnly = (d: any) => delete d.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"];
    expect(refused(fractional)).toMatch(/limits\[nvidia.com\/gpu\]: Invalid value: "500m": must be an integer/);
    expect(packSays(fractional)).toMatch(/hands out whole GPUs/);
    expect(refused(unequal)).toMatch(/requests: Invalid value: "1": must be equal to nvidia.com\/gpu limit of 2/);
    expect(packSays(unequal)).toMatch(/request that differs from its limit/);
    expect(refused(requestOnly)).toMatch(/Limit must be set for non overcommitable resources/);
    expect(packSays(requestOnly)).toMatch(/without a limit/);
    expect(refused(noHandler)).toMatch(/readinessProbe: Required value: must specify a handler type/);
    expect(packSays(noHandler)).toMatch(/readinessProbe has no handler/);
    // A field the API does not know: TypeScript's @pulumi/kubernetes types refuse it first.
    expect(refused((d) => (d.spec.template.spec.containers[0].gpus = 1))).toMatch(
      /strict decoding error: unknown field "spec.template.spec.containers\[0\].gpus"/,
    );
    // The unchanged object is accepted.
    expect(kubectl(cluster, ["create", "--dry-run=server", "-f", "-"], { input: JSON.stringify(fresh()) }).status).toBe(0);
  });

  it("a second preview finds nothing to change; the engine now hands stack policies the server's objects", async () => {
    const run = await runWithEvents(project, ["preview"], ["--stack", STACK, "--expect-no-changes", ...withPacks()], { env: env("again") });
    expect(run.code, run.output).toBe(0);
    expect(changed(run)).toEqual([]);
    expect(policyEvents(run).filter((e) => e.enforcementLevel === "mandatory")).toEqual([]);
    const { stack } = captured("again");
    const chat = stack.find((r) => urnName(r.urn) === "suite-inference-chat-workload")!;
    // Server-side: status, managedFields and every default.
    expect(chat.props.status).toBeDefined();
    expect(chat.props.spec.template.spec.containers[0]).toMatchObject({
      terminationMessagePath: "/dev/termination-log",
      imagePullPolicy: "IfNotPresent",
    });
    expect(podRuleProblems(stack)).toEqual([]);
  }, 240_000);

  it.each(KUBERNETES_CASES)(
    "npm run review predicts the engine's step for every object: $change",
    async (c) => {
      const { review, engine } = await predictKubernetes(project, STACK, stackConfig(), c);
      const moved = Object.entries(engine).filter(([, a]) => a !== "none");
      console.log(`kubernetes review prediction: ${c.change}: ${JSON.stringify(Object.fromEntries(moved))}`);
      expect(review).toEqual(engine);
      // No vacuous agreement: every case but the last moves an object.
      if (c.change.startsWith("a change that touches no object")) expect(moved).toEqual([]);
      else expect(moved.length).toBeGreaterThan(0);
    },
    300_000,
  );

  it("a change to the gateway's config replaces its ConfigMap and rolls the gateway's Deployment, nothing else", async () => {
    writeStackFile(project, STACK, stackConfig({ "local-ai-suite:gateway": { numRetries: 1 } }));
    const run = await runWithEvents(project, ["up", "--yes"], ["--stack", STACK, ...packArgs(STACK, { config: packConfig })]);
    expect(run.code, run.output).toBe(0);
    expect(changed(run)).toEqual([
      "create-replacement suite-api-gateway-config",
      "delete-replaced suite-api-gateway-config",
      "replace suite-api-gateway-config",
      "update suite-api-gateway-workload",
    ]);
    const revisions = Object.fromEntries(
      get("deployments").map((d) => [d.metadata.name, d.metadata.annotations?.["deployment.kubernetes.io/revision"]]),
    );
    expect(Object.entries(revisions).filter(([, r]) => r !== "1")).toEqual([["api-gateway", "2"]]);
    expect(get("statefulsets").map((s) => s.metadata.generation)).toEqual([1, 1, 1, 1]);
  }, 300_000);

  it("pulumi destroy removes the workloads and keeps the claims and the namespace", async () => {
    const run = await runWithEvents(project, ["destroy", "--yes"], ["--stack", STACK]);
    expect(run.code, run.output).toBe(0);
    expect(
      get("persistentvolumeclaims")
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual(planned.k.claims.map((c) => c.name).sort());
    expect(kubectl(cluster, ["get", "namespace", NS, "-o", "name"]).stdout.trim()).toBe(`namespace/${NS}`);
    // With skipAwait the provider does not wait for a deletion either: the controller manager's garbage
    // collector finishes the workloads' foreground deletion (their pods first) a moment later.
    const left = () =>
      ["deployments", "statefulsets", "services", "networkpolicies", "secrets", "pods"].flatMap((kind) =>
        get(kind).map((o) => `${kind}/${o.metadata.name}`),
      );
    for (let i = 0; i < 60 && left().length; i++) await new Promise((r) => setTimeout(r, 1000));
    expect(left()).toEqual([]);
    expect(get("configmaps").map((c) => c.metadata.name)).toEqual(["kube-root-ca.crt"]);
  }, 300_000);
});
