/**
 * A real Kubernetes control plane for tests: etcd, kube-apiserver and
 * kube-controller-manager on loopback from ../shared/kube-toolchain (no nodes:
 * pods are created and stay Pending). Each cluster gets free ports, so test
 * files can run in parallel, and a default StorageClass that binds on first
 * consumer (as k3s's local-path does), so claims are created without waiting
 * for a volume. `.ci/run` installs the toolchain; a test that needs it and
 * finds it missing fails, saying how to get it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePortBlock } from "./free-ports";
import { REPO_DIR } from "./pulumi-cli";

/** The toolchain beside the checkout (like scripts/toolchain.sh finds ../shared/pulumi-toolchain). */
export const KUBE_TOOLCHAIN_DIR = process.env.KUBE_TOOLCHAIN_SCRIPTS ?? path.join(path.dirname(REPO_DIR), "shared", "kube-toolchain");

const HOW_TO_GET_IT =
  `The Kubernetes tests need etcd, kube-apiserver, kube-controller-manager and kubectl on PATH and the Pulumi kubernetes plugin 4.25.0. ` +
  `Here: eval "$(bash scripts/toolchain.sh)" && eval "$(bash ${path.join(KUBE_TOOLCHAIN_DIR, "install.sh")})" ` +
  `(the offline toolchain in ../shared/kube-toolchain); \`bash .ci/run\` does this for you.`;

/** Fails (never skips) with how to get the tools when one is missing. */
export function requireKubeTools(): void {
  const missing: string[] = [];
  for (const [tool, args] of [
    ["etcd", ["--version"]],
    ["kube-apiserver", ["--version"]],
    ["kube-controller-manager", ["--version"]],
    ["kubectl", ["version", "--client"]],
    ["openssl", ["version"]],
    ["curl", ["--version"]],
  ] as const) {
    const probe = spawnSync(tool, [...args], { encoding: "utf8" });
    if (probe.error || probe.status !== 0) missing.push(tool);
  }
  const plugins = spawnSync("pulumi", ["plugin", "ls"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
  if (plugins.error || !/^kubernetes\s+resource\s+4\.25\.0/m.test(plugins.stdout ?? "")) missing.push("pulumi plugin kubernetes 4.25.0");
  if (!fs.existsSync(path.join(KUBE_TOOLCHAIN_DIR, "start-cluster.sh"))) missing.push(path.join(KUBE_TOOLCHAIN_DIR, "start-cluster.sh"));
  if (missing.length) throw new Error(`${HOW_TO_GET_IT} Missing: ${missing.join(", ")}.`);
}

export interface Cluster {
  dir: string;
  kubeconfig: string;
  /** Env for the Pulumi CLI and kubectl: KUBECONFIG set. */
  env: NodeJS.ProcessEnv;
  stop(): void;
}

const DEFAULT_STORAGE_CLASS = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
`;

export async function startCluster(): Promise<Cluster> {
  requireKubeTools();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-test-"));
  const etcd = await freePortBlock(3);
  const api = await freePortBlock(1);
  const started = spawnSync("bash", [path.join(KUBE_TOOLCHAIN_DIR, "start-cluster.sh"), dir], {
    encoding: "utf8",
    env: { ...process.env, ETCD_PORT: String(etcd), API_PORT: String(api) },
    timeout: 150_000,
  });
  const kubeconfig = path.join(dir, "kubeconfig");
  const cluster: Cluster = {
    dir,
    kubeconfig,
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stop: () => {
      spawnSync("bash", [path.join(KUBE_TOOLCHAIN_DIR, "stop-cluster.sh"), dir], { encoding: "utf8", timeout: 30_000 });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  if (started.status !== 0) {
    const logs = ["etcd", "kube-apiserver"].map((p) => `${p}.log: ${readTail(path.join(dir, `${p}.log`))}`).join("\n");
    cluster.stop();
    throw new Error(`start-cluster.sh failed (${started.status}): ${started.stderr}\n${logs}`);
  }
  // The namespace controller and the service-account controller need a moment; the default namespace's account proves both run.
  for (let i = 0; i < 60 && kubectl(cluster, ["get", "serviceaccount", "default", "-n", "default"], { check: false }).status !== 0; i++)
    await sleep(500);
  kubectl(cluster, ["apply", "-f", "-"], { input: DEFAULT_STORAGE_CLASS });
  return cluster;
}

function readTail(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").slice(-15).join("\n") : "(none)";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function kubectl(
  cluster: Cluster,
  args: string[],
  options: { input?: string; check?: boolean } = {},
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync("kubectl", args, { encoding: "utf8", env: cluster.env, input: options.input, timeout: 60_000 });
  const out = { status: result.status ?? -1, stdout: result.stdout ?? "", stderr: result.stderr ?? String(result.error ?? "") };
  if (options.check !== false && out.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${out.stderr}`);
  return out;
}

/** `kubectl get ... -o json` parsed; a list's items. */
export function kubeGet<T = KubeObject>(cluster: Cluster, namespace: string, kind: string): T[] {
  const { stdout } = kubectl(cluster, ["get", kind, "-n", namespace, "-o", "json"]);
  return (JSON.parse(stdout) as { items: T[] }).items;
}

export interface KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
  };
  spec?: any;
  status?: any;
  data?: Record<string, string>;
}
