/** The Kubernetes stack file, its policy config, and the config keys the target adds. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/errors";
import { defaultStackConfig, loadStackFile, parseStackConfig } from "../../lib/config/load";
import { workloadObject } from "../../lib/kubernetes/objects";
import { sensitiveKind } from "../../policies/container-host-mounts";
import { kubernetesPolicies, policies } from "../../policies/policies";
import { enforcementLevel, loadPackConfig, policyConfig } from "../policies/harness";
import { k8sRawConfig, planK8s, PROJECT_DIR } from "./support";

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

describe("the Kubernetes config keys", () => {
  it("default to the Docker target, which ignores them", () => {
    const config = defaultStackConfig();
    expect(config.target).toBe("docker");
    expect(config.kubernetes).toMatchObject({ namespace: "local-ai-suite", gpuSharing: { mode: "time-slicing", replicas: 4 }, skipAwait: false, cpuRequestFraction: 0.25 });
    expect(config.gpus[0]).not.toHaveProperty("node");
  });

  it("Pulumi.k8s.yaml validates: p3 on the kubernetes target, its GPU on a node", () => {
    const config = loadStackFile("k8s", PROJECT_DIR);
    expect(config).toMatchObject({ phase: "p3", target: "kubernetes", gpus: [{ id: "0", node: "gpu-box-1" }] });
    // Same services, GPU and VRAM settings as the Docker p3 stack.
    const p3 = loadStackFile("p3", PROJECT_DIR);
    expect({ ...config.inference, chat: config.inference.chat, code: config.inference.code }).toEqual(p3.inference);
    expect(config.gpus.map(({ node: _node, ...g }) => g)).toEqual(p3.gpus);
  });

  it.each([
    [{ target: "swarm" }, "target", /"docker", "kubernetes"/],
    [{ gpus: [{ id: "0", totalMiB: 6141, node: "GPU_Box" }] }, "gpus[0].node", /node name/],
    [{ kubernetes: { namespace: "Local AI" } }, "kubernetes.namespace", /RFC 1123/],
    [{ kubernetes: { gpuSharing: { mode: "mig" } } }, "kubernetes.gpuSharing.mode", /"time-slicing", "mps", "exclusive"/],
    [{ kubernetes: { cpuRequestFraction: 0 } }, "kubernetes.cpuRequestFraction", /0/],
    [{ kubernetes: { imageRegistry: "https://registry.lan" } }, "kubernetes.imageRegistry", /registry host/],
    [{ kubernetes: { skipawait: true } }, "kubernetes.skipawait", /unknown key/],
  ])("%j is refused, naming %s", (raw, key, allowed) => {
    try {
      parseStackConfig(raw);
      throw new Error("accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problem = (error as ConfigError).problems.find((p) => p.key === key);
      expect(problem, JSON.stringify((error as ConfigError).problems)).toBeDefined();
      expect(problem!.allowed).toMatch(allowed);
    }
  });
});

describe("policies/config/k8s.json", () => {
  const config = loadPackConfig("k8s");

  it("names only real policies and schema keys with valid levels", () => {
    const byName = new Map(policies.map((p) => [p.name, p]));
    for (const [name, entry] of Object.entries(config)) {
      if (name === "all") continue;
      const policy = byName.get(name);
      expect(policy, `unknown policy ${name}`).toBeDefined();
      if (typeof entry === "string") {
        expect(LEVELS).toContain(entry);
        continue;
      }
      const { enforcementLevel: level, ...values } = entry;
      if (level !== undefined) expect(LEVELS).toContain(level);
      for (const [key, value] of Object.entries(values)) {
        const schema = policy!.configSchema?.properties[key];
        expect(schema, `${name}.${key} is not in its configSchema`).toBeDefined();
        const type = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
        expect([schema!.type].flat(), `${name}.${key}`).toContain(type);
      }
    }
  });

  it("makes every Kubernetes policy mandatory and never allows skipAwait (tests pass their own copy)", () => {
    for (const p of kubernetesPolicies) expect(enforcementLevel(p, config), p.name).toBe("mandatory");
    expect(policyConfig(kubernetesPolicies.find((p) => p.name === "kubernetes-health-gated-ordering")!, config)).toEqual({ allowSkipAwait: false });
  });

  it("budgets the stack file's GPUs, on their nodes, with its overhead", () => {
    const stack = loadStackFile("k8s", PROJECT_DIR);
    const budget = policyConfig(kubernetesPolicies.find((p) => p.name === "kubernetes-gpu-vram-budget")!, config) as { gpus: unknown[]; perProcessOverheadMiB: number };
    expect(budget.gpus).toEqual(stack.gpus);
    expect(budget.perProcessOverheadMiB).toBe(stack.inference.perProcessOverheadMiB);
  });

  it("allowlists exactly the sensitive host paths the plan mounts, by service", async () => {
    const { k } = await planK8s();
    const mounted: Record<string, string[]> = {};
    for (const s of k.services) {
      for (const v of workloadObject(k, s, { configMap: "c", secret: "s" }).spec.template.spec.volumes) {
        if (v.hostPath && sensitiveKind(v.hostPath.path)) (mounted[s.service] ??= []).push(v.hostPath.path);
      }
    }
    const allow = (config["kubernetes-host-paths"] as { allow: Record<string, string[]> }).allow;
    expect(Object.fromEntries(Object.entries(allow).map(([s, paths]) => [s, [...paths].sort()]))).toEqual(Object.fromEntries(Object.entries(mounted).map(([s, paths]) => [s, [...paths].sort()])));
  });

  it("a stack with the Docker socket for cAdvisor (the Docker p3 default) has no place on a cluster", async () => {
    const { k } = await planK8s({ monitoring: { cadvisor: { dockerSocket: true } } });
    const cadvisor = k.services.find((s) => s.service === "cadvisor")!;
    expect(cadvisor.mounts.map((m) => (m.source.kind === "hostPath" ? m.source : undefined)).filter(Boolean)).toContainEqual({ kind: "hostPath", path: "/var/run/docker.sock", type: "Socket" });
    expect(k8sRawConfig()["monitoring"]).toMatchObject({ cadvisor: { dockerSocket: false } });
  });
});
