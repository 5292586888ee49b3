/** Scrape jobs and alert rules follow the deployed services and the stack's GPU budget. */
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { defineService, planContext } from "../../lib/plan/define-service";
import { curlProbe } from "../../lib/plan/health";
import { containerMissing } from "../../lib/monitoring/promql";
import { planMonitoringStack } from "../../lib/plan/monitoring";
import { planStack } from "../../lib/plan/stack-plan";
import { file, p3Config, planP3, PROJECT_DIR, service } from "../p3/plan-p3";
import { REPO_LOCK } from "../support/model-lock";

async function prometheusFiles(overrides: Record<string, unknown> = {}, secrets = {}) {
  const plan = await planP3(overrides, secrets);
  const prometheus = service(plan, "prometheus");
  return {
    plan,
    prometheus,
    config: parseYaml(file(prometheus, "/etc/prometheus/prometheus.yml").content),
    rules: parseYaml(file(prometheus, "/etc/prometheus/rules/alert-rules.yml").content),
  };
}

const allRules = (rules: any) => rules.groups.flatMap((g: any) => g.rules);

describe("scrape jobs", () => {
  it("has one job per service that declares metrics, targeting it by service name, and none for the others", async () => {
    const { plan, config } = await prometheusFiles();
    const withMetrics = plan.services.filter((s) => s.metrics);
    const jobs = config.scrape_configs.map((j: any) => j.job_name).sort();
    expect(jobs).toEqual(withMetrics.map((s) => s.service).sort());
    for (const s of withMetrics) {
      const job = config.scrape_configs.find((j: any) => j.job_name === s.service);
      expect(job.static_configs[0].targets).toEqual([`${s.service}:${s.metrics!.port}`]);
      expect(job.metrics_path).toBe(s.metrics!.path);
    }
    // The gateway (no OSS /metrics) and memory-api (its /metrics answers 503) are not scraped.
    expect(jobs).not.toContain("api-gateway");
    expect(jobs).not.toContain("memory-api");
    expect(jobs).toEqual(
      expect.arrayContaining([
        "inference-chat",
        "inference-code",
        "qdrant",
        "rag",
        "embedding",
        "mcp-server",
        "prometheus",
        "dcgm-exporter",
      ]),
    );
  });

  it("adds a job when a service with metrics is added", async () => {
    const config = p3Config();
    const ctx = planContext(config, { stack: "p3", projectDir: PROJECT_DIR });
    const base = planStack(p3Config({ monitoring: { enabled: false } }), {
      stack: "p3",
      projectDir: PROJECT_DIR,
      lock: REPO_LOCK,
    }).services;
    const extra = defineService(ctx, {
      service: "reranker",
      group: "rag",
      image: { kind: "registry", ref: "example/reranker:1.0.0" },
      healthcheck: curlProbe("http://127.0.0.1:9000/health"),
      metrics: { port: 9000, path: "/prom" },
      limits: { memoryMiB: 256, cpus: 1 },
    });
    const jobsOf = (services: typeof base) => {
      const prometheus = planMonitoringStack(ctx, services).find((s) => s.service === "prometheus")!;
      return parseYaml(prometheus.files[0].content).scrape_configs.map(
        (j: any) => `${j.job_name} ${j.static_configs[0].targets[0]}${j.metrics_path}`,
      );
    };
    const before = jobsOf(base);
    const after = jobsOf([...base, extra]);
    expect(after.filter((j: string) => !before.includes(j))).toEqual(["reranker reranker:9000/prom"]);
  });

  it("scrapes Qdrant with its read-only key from a secret file, never with a key in the config", async () => {
    // The reference memory services cannot send a Qdrant key, so they are off here (the plan refuses them otherwise).
    const { config, prometheus } = await prometheusFiles({ memory: { enabled: false } }, { qdrantApiKey: true });
    const qdrant = config.scrape_configs.find((j: any) => j.job_name === "qdrant");
    expect(qdrant.authorization).toEqual({ type: "Bearer", credentials_file: "secrets/qdrantReadOnlyKey" });
    const tokenFile = file(prometheus, "/etc/prometheus/secrets/qdrantReadOnlyKey");
    expect(tokenFile.secret).toBe("qdrantReadOnlyKey");
    expect(tokenFile.content).toBe("");
    // Only the token files are secret: Qdrant's, and the llama-servers' key (they require it on /metrics).
    expect(config.scrape_configs.filter((j: any) => j.authorization).map((j: any) => j.job_name)).toEqual([
      "inference-chat",
      "inference-code",
      "qdrant",
      "embedding-server",
    ]);
  });

  it("sends Qdrant no token and ships no Qdrant token file without an API key", async () => {
    const { config, prometheus } = await prometheusFiles({}, {});
    expect(config.scrape_configs.find((j: any) => j.job_name === "qdrant").authorization).toBeUndefined();
    expect(prometheus.files.filter((f) => f.secret).map((f) => f.secret)).toEqual(["inferenceApiKey"]);
  });

  it("scrapes every llama-server with the stack's inference key, from a secret file", async () => {
    const { config, prometheus } = await prometheusFiles({}, {});
    for (const job of ["inference-chat", "inference-code", "embedding-server"]) {
      expect(config.scrape_configs.find((j: any) => j.job_name === job).authorization).toEqual({
        type: "Bearer",
        credentials_file: "secrets/inferenceApiKey",
      });
    }
    expect(file(prometheus, "/etc/prometheus/secrets/inferenceApiKey")).toMatchObject({ secret: "inferenceApiKey", content: "" });
  });

  it("keeps retention bounded by time and size, and exposes no admin or lifecycle API", async () => {
    const { prometheus } = await prometheusFiles({ monitoring: { prometheus: { retentionDays: 30, retentionSizeGiB: 25 } } });
    expect(prometheus.command).toContain("--storage.tsdb.retention.time=30d");
    expect(prometheus.command).toContain("--storage.tsdb.retention.size=25GB");
    expect(prometheus.command!.join(" ")).not.toMatch(/enable-admin-api|enable-lifecycle/);
  });
});

describe("alert rules", () => {
  it("alerts on every scrape job being down, and on every unscraped container missing", async () => {
    const { config, rules, plan } = await prometheusFiles();
    const rulesByName = new Map(allRules(rules).map((r: any) => [r.alert, r]));
    const down = rulesByName.get("ServiceDown") as any;
    for (const job of config.scrape_configs) expect(down.expr).toContain(job.job_name);
    // From the healer's list of the stack's containers (cAdvisor has no Docker socket by default).
    const healer = { source: "healer", job: "healer" } as const;
    for (const s of plan.services.filter((s) => !s.metrics)) {
      const missing = allRules(rules).find((r: any) => r.expr === containerMissing(healer, s.service, s.containerName));
      expect(missing, s.service).toBeDefined();
    }
    expect((rulesByName.get("ContainerRestarting") as any).expr).toContain("healer_container_starts_total");
  });

  it("takes container state from cAdvisor instead where it is given the Docker socket", async () => {
    const { rules, plan } = await prometheusFiles({ monitoring: { cadvisor: { dockerSocket: true } } });
    for (const s of plan.services.filter((s) => !s.metrics)) {
      const missing = allRules(rules).find((r: any) => r.expr === `absent(container_start_time_seconds{name="${s.containerName}"})`);
      expect(missing, s.service).toBeDefined();
    }
    expect(allRules(rules).find((r: any) => r.alert === "ContainerRestarting").expr).toContain("container_start_time_seconds");
  });

  it("puts the GPU memory threshold at the configured fraction of the stack's VRAM budget", async () => {
    const gpus = [{ id: "0", totalMiB: 8192, reserveMiB: 512 }];
    const { rules } = await prometheusFiles({ gpus, monitoring: { alerts: { gpuMemoryBudgetFraction: 0.9 } } });
    const over = allRules(rules).find((r: any) => r.alert === "GpuMemoryOverBudget_0");
    const threshold = Number(/> (\d+)$/.exec(over.expr)![1]);
    expect(threshold).toBe(Math.floor((8192 - 512) * 0.9));
    expect(over.expr).toContain('DCGM_FI_DEV_FB_USED{gpu="0"}');
    const exhausted = allRules(rules).find((r: any) => r.alert === "GpuMemoryExhausted_0");
    expect(exhausted.expr).toContain("DCGM_FI_DEV_FB_FREE");
  });

  it("selects a GPU named by UUID by its UUID label", async () => {
    const uuid = "GPU-0a1b2c3d-0000-1111-2222-333344445555";
    const { rules } = await prometheusFiles({
      gpus: [{ id: uuid, totalMiB: 6141 }],
      inference: { chat: { gpu: uuid }, code: { gpu: uuid } },
    });
    expect(allRules(rules).some((r: any) => r.expr.includes(`UUID="${uuid}"`))).toBe(true);
  });

  it("drops the GPU rules without the DCGM exporter, and the container rules without a source of container state", async () => {
    const { rules } = await prometheusFiles({
      monitoring: { dcgmExporter: { enabled: false }, cadvisor: { dockerSocket: false } },
      healer: { enabled: false },
    });
    const names = allRules(rules).map((r: any) => r.alert);
    expect(names.some((n: string) => n.startsWith("Gpu"))).toBe(false);
    expect(names.filter((n: string) => n.startsWith("Container"))).toEqual([]);
    expect(names).toContain("ServiceDown");
  });

  it("covers inference speed and backlog, HTTP errors and latency, restarts and disk, each with a severity and a summary", async () => {
    const { rules } = await prometheusFiles();
    const names = allRules(rules).map((r: any) => r.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        "InferenceSlow",
        "InferenceBacklog",
        "HttpErrorRate",
        "HttpLatencyHigh",
        "ContainerRestarting",
        "DiskAlmostFull",
      ]),
    );
    for (const r of allRules(rules)) {
      expect(["warning", "critical"]).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(0);
      expect(r.for).toMatch(/^\d+s$/);
    }
    const http = allRules(rules).find((r: any) => r.alert === "HttpErrorRate");
    const jobs = /job=~"([^"]+)"/.exec(http.expr)![1].split("|").sort();
    expect(jobs).toEqual(["embedding", "mcp-server", "rag"]);
    expect(http.expr).not.toContain("status_code"); // the instrumentator's label is `status`
  });
});
