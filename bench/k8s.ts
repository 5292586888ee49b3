/**
 * `npm run bench:k8s [-- --runs 3]`: wall time of a real `pulumi preview` and
 * `pulumi up` of the Kubernetes stack (Pulumi.k8s.yaml: the p3 service set)
 * with the policy pack against a loopback API server (CLI start to exit, empty
 * state, a fresh control plane per run; kubernetes.skipAwait, since pods never
 * run there, so `up` is the time to apply every object, not to start pods).
 * One line, medians of --runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { startCluster } from "../test/support/kube-cluster";
import { cleanup, initStack, packArgs, REPO_DIR, runWithEvents, steps, tempProject } from "../test/support/pulumi-cli";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function once(): Promise<{ clusterMs: number; previewMs: number; upMs: number; objects: number }> {
  const started = performance.now();
  const cluster = await startCluster();
  const clusterMs = performance.now() - started;
  const { config } = parseYaml(fs.readFileSync(path.join(REPO_DIR, "Pulumi.k8s.yaml"), "utf8")) as { config: Record<string, any> };
  config["local-ai-suite:kubernetes"] = { ...config["local-ai-suite:kubernetes"], skipAwait: true };
  const project = tempProject({ stacks: { k8s: config } });
  project.env.KUBECONFIG = cluster.kubeconfig;
  try {
    await initStack(project, "k8s");
    const pack = JSON.parse(fs.readFileSync(path.join(REPO_DIR, "policies", "config", "k8s.json"), "utf8"));
    pack["kubernetes-health-gated-ordering"].allowSkipAwait = true;
    const packConfig = path.join(project.work, "pack.json");
    fs.writeFileSync(packConfig, JSON.stringify(pack));
    const args = ["--stack", "k8s", ...packArgs("k8s", { config: packConfig })];
    const preview = await runWithEvents(project, ["preview"], args);
    if (preview.code !== 0) throw new Error(`preview failed:\n${preview.output}`);
    const up = await runWithEvents(project, ["up", "--yes"], args);
    if (up.code !== 0) throw new Error(`up failed:\n${up.output}`);
    const objects = steps(preview).filter((s) => s.op === "create" && s.type.startsWith("kubernetes:")).length;
    return { clusterMs, previewMs: preview.ms, upMs: up.ms, objects };
  } finally {
    cleanup(project);
    cluster.stop();
  }
}

async function main(): Promise<void> {
  const results = [];
  for (let i = 0; i < RUNS; i++) results.push(await once());
  console.log(
    `k8s: stack=k8s services=18 objects=${results[0]!.objects} runs=${RUNS} preview_s=${seconds(median(results.map((r) => r.previewMs)))} up_s=${seconds(median(results.map((r) => r.upMs)))} cluster_start_s=${seconds(median(results.map((r) => r.clusterMs)))}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
