/**
 * The suite's alerts, derived from what the stack deploys: every rule refers
 * only to jobs and metrics that exist (the reference alerted on metrics no
 * service emitted and on jobs that were always down).
 */
import type { AlertRule, RuleGroup } from "./alert-rules";
import {
  anyOf,
  containerMissing,
  containerStarts15m,
  type ContainerStateSource,
  DISK_FSTYPES,
  http5xxRatio,
  httpP95Latency,
  llamaTokensPerSec,
  promString,
} from "./promql";

export interface GpuAlertTarget {
  /** Config id of the GPU ("0" or a UUID). */
  id: string;
  /** PromQL label matcher selecting it in DCGM metrics, e.g. `gpu="0"`. */
  matcher: string;
  /** The stack's VRAM budget for it: totalMiB - reserveMiB. */
  budgetMiB: number;
}

export interface AlertInputs {
  /** Every scrape job: each gets a "down" alert. */
  scrapedJobs: string[];
  /** llama.cpp servers (their /metrics come from --metrics). */
  llamaJobs: string[];
  /** FastAPI services exporting prometheus-fastapi-instrumentator metrics. */
  httpJobs: string[];
  /** Containers with no metrics endpoint: each gets a "missing" alert where container state is known. */
  unscrapedContainers: { service: string; container: string }[];
  /**
   * Who knows each container's state: cAdvisor when it reads the Docker API (its service label), else the
   * healer (its list and event stream, through its Docker API proxy), else nobody (no container alerts).
   */
  containerState?: ContainerStateSource;
  /** The healer's scrape job, when the stack runs it (it counts the unhealthy containers it restarts). */
  healerJob?: string;
  hostMetrics: boolean;
  gpus: GpuAlertTarget[];
  thresholds: {
    gpuMemoryBudgetFraction: number;
    diskFreeFraction: number;
    httpErrorRatio: number;
    httpP95LatencySec: number;
    inferenceMinTokensPerSec: number;
    containerRestarts15m: number;
  };
}

function availability(inputs: AlertInputs): AlertRule[] {
  const rules: AlertRule[] = [];
  if (inputs.scrapedJobs.length) {
    rules.push({
      alert: "ServiceDown",
      expr: `up{job=~${anyOf(inputs.scrapedJobs)}} == 0`,
      forSec: 120,
      severity: "critical",
      summary: "{{ $labels.job }} is down",
      description: "Prometheus could not scrape {{ $labels.job }} ({{ $labels.instance }}) for 2 minutes.",
    });
  }
  const state = inputs.containerState;
  for (const { service, container } of state ? inputs.unscrapedContainers : []) {
    rules.push({
      alert: `ContainerMissing_${service.replace(/[^A-Za-z0-9]/g, "_")}`,
      expr: containerMissing(state!, service, container),
      forSec: 120,
      severity: "critical",
      summary: `${service} is not running`,
      description:
        state!.source === "cadvisor"
          ? `cAdvisor has seen no running container named ${container} for 2 minutes.`
          : `The healer has listed no running container of ${service} (${container}) for 2 minutes.`,
    });
  }
  if (state) {
    const label = state.source === "cadvisor" ? state.serviceLabel : "service";
    rules.push({
      alert: "ContainerRestarting",
      expr: `${containerStarts15m(state)} >= ${inputs.thresholds.containerRestarts15m}`,
      forSec: 0,
      severity: "warning",
      summary: `{{ $labels.${label} }} keeps restarting`,
      description: `{{ $labels.${label} }} started {{ $value }} times in 15 minutes (a crash loop; Docker restarts on exit only).`,
    });
  }
  return rules;
}

/** What the healer did: a restart means a service was unhealthy (a wedge, a hang); a skipped one needs a person. */
function healing(inputs: AlertInputs): AlertRule[] {
  if (!inputs.healerJob) return [];
  const job = `job=${promString(inputs.healerJob)}`;
  return [
    {
      alert: "ContainerRestartedUnhealthy",
      expr: `sum by (service) (increase(healer_restarts_total{${job}}[15m])) > 0`,
      forSec: 0,
      severity: "warning",
      summary: "{{ $labels.service }} was unhealthy and has been restarted",
      description:
        "The healer restarted {{ $labels.service }} {{ $value | humanize }} time(s) in 15 minutes after its healthcheck failed (e.g. a wedged inference loop). Look at its logs from before the restart.",
    },
    {
      alert: "ContainerLeftUnhealthy",
      expr: `sum by (service) (increase(healer_restarts_skipped_total{${job}}[15m])) > 0`,
      forSec: 0,
      severity: "critical",
      summary: "{{ $labels.service }} stays unhealthy after repeated restarts",
      description: "The healer's restart budget for {{ $labels.service }} is spent; it is left unhealthy until a person fixes the cause.",
    },
  ];
}

function gpuMemory(inputs: AlertInputs): AlertRule[] {
  const fraction = inputs.thresholds.gpuMemoryBudgetFraction;
  return inputs.gpus.flatMap((gpu) => {
    const limit = Math.floor(gpu.budgetMiB * fraction);
    const suffix = gpu.id.replace(/[^A-Za-z0-9]/g, "_");
    return [
      {
        alert: `GpuMemoryOverBudget_${suffix}`,
        expr: `max(DCGM_FI_DEV_FB_USED{${gpu.matcher}}) > ${limit}`,
        forSec: 300,
        severity: "warning",
        summary: `GPU ${gpu.id} uses more VRAM than the stack planned`,
        description: `{{ $value }} MiB used; the stack's budget is ${gpu.budgetMiB} MiB and this alert fires above ${Math.round(fraction * 100)}% of it (${limit} MiB). Something outside the plan is on the GPU, or the estimate is off.`,
      },
      {
        alert: `GpuMemoryExhausted_${suffix}`,
        expr: `max(DCGM_FI_DEV_FB_FREE{${gpu.matcher}}) / max(DCGM_FI_DEV_FB_FREE{${gpu.matcher}} + DCGM_FI_DEV_FB_USED{${gpu.matcher}}) < 0.02`,
        forSec: 120,
        severity: "critical",
        summary: `GPU ${gpu.id} is out of memory`,
        description: "Less than 2% of the framebuffer is free; the next allocation (a model load, a bigger batch) fails.",
      },
    ] satisfies AlertRule[];
  });
}

function inference(inputs: AlertInputs): AlertRule[] {
  if (!inputs.llamaJobs.length) return [];
  const jobs = `job=~${anyOf(inputs.llamaJobs)}`;
  return [
    {
      alert: "InferenceSlow",
      // Tokens per second of generation time, over requests that actually ran.
      expr: `(${llamaTokensPerSec(jobs)}) < ${inputs.thresholds.inferenceMinTokensPerSec}`,
      forSec: 600,
      severity: "warning",
      summary: "{{ $labels.job }} generates slowly",
      description: `Generation ran at {{ $value | humanize }} tokens/s over 5 minutes (threshold ${inputs.thresholds.inferenceMinTokensPerSec}); layers may have fallen back to the CPU.`,
    },
    {
      alert: "InferenceBacklog",
      expr: `llamacpp:requests_deferred{${jobs}} > 0`,
      forSec: 300,
      severity: "warning",
      summary: "{{ $labels.job }} is queueing requests",
      description: "{{ $value }} requests waited for a free slot for 5 minutes: latency grows with the queue.",
    },
  ];
}

function http(inputs: AlertInputs): AlertRule[] {
  if (!inputs.httpJobs.length) return [];
  const jobs = `job=~${anyOf(inputs.httpJobs)}`;
  return [
    {
      alert: "HttpErrorRate",
      expr: `${http5xxRatio(jobs)} > ${inputs.thresholds.httpErrorRatio}`,
      forSec: 300,
      severity: "warning",
      summary: "{{ $labels.job }} answers with errors",
      description: `{{ $value | humanizePercentage }} of requests failed with 5xx over 5 minutes (threshold ${+(inputs.thresholds.httpErrorRatio * 100).toFixed(2)}%).`,
    },
    {
      alert: "HttpLatencyHigh",
      expr: `${httpP95Latency(jobs)} > ${inputs.thresholds.httpP95LatencySec}`,
      forSec: 600,
      severity: "warning",
      summary: "{{ $labels.job }} is slow",
      description: `p95 latency is {{ $value | humanizeDuration }} (threshold ${inputs.thresholds.httpP95LatencySec}s).`,
    },
  ];
}

function host(inputs: AlertInputs): AlertRule[] {
  if (!inputs.hostMetrics) return [];
  const fs = DISK_FSTYPES;
  return [
    {
      alert: "DiskAlmostFull",
      expr: `node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} < ${inputs.thresholds.diskFreeFraction}`,
      forSec: 600,
      severity: "warning",
      summary: "{{ $labels.mountpoint }} is almost full",
      description: `Only {{ $value | humanizePercentage }} is free on {{ $labels.mountpoint }} ({{ $labels.device }}); models, vectors and the TSDB live on disk.`,
    },
    {
      alert: "DiskFillingUp",
      expr: `predict_linear(node_filesystem_avail_bytes{${fs}}[6h], 24 * 3600) < 0`,
      forSec: 1800,
      severity: "warning",
      summary: "{{ $labels.mountpoint }} fills up within a day",
      description: "At the last 6 hours' rate the filesystem is full within 24 hours.",
    },
    {
      alert: "HostMemoryLow",
      expr: `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1`,
      forSec: 300,
      severity: "warning",
      summary: "Host memory is nearly exhausted",
      description: "Less than 10% of RAM is available; the kernel may OOM-kill an inference server.",
    },
  ];
}

export function buildAlertGroups(inputs: AlertInputs): RuleGroup[] {
  return [
    { name: "availability", rules: availability(inputs) },
    { name: "healing", rules: healing(inputs) },
    { name: "gpu", rules: gpuMemory(inputs) },
    { name: "inference", rules: inference(inputs) },
    { name: "http-services", rules: http(inputs) },
    { name: "host", rules: host(inputs) },
  ];
}
