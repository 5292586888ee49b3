/**
 * The suite's dashboards, derived from what the stack deploys: a panel only
 * appears when the job or metric behind it exists.
 */
import { dashboard, type Dashboard, type PanelDraft } from "./dashboard";
import {
  anyOf,
  containerStarts15m,
  type ContainerStateSource,
  DISK_FSTYPES,
  http5xxRatio,
  httpP95Latency,
  llamaTokensPerSec,
} from "../promql";
import { LOKI_DATASOURCE, PROMETHEUS_DATASOURCE } from "./provisioning";

export interface DashboardInputs {
  scrapedJobs: string[];
  llamaJobs: string[];
  httpJobs: string[];
  /** GPUs with their DCGM matcher and the stack's budget; empty without the DCGM exporter. */
  gpus: { id: string; matcher: string; budgetMiB: number }[];
  gpuAlertFraction: number;
  /** Who knows each container's state (restarts from either; memory and CPU per service from cAdvisor with names only). */
  containerState?: ContainerStateSource;
  hostMetrics: boolean;
  /** Services without a metrics endpoint (the gateway, the memory services), shown by their logs. */
  logOnlyServices: string[];
}

const prom = PROMETHEUS_DATASOURCE;
const RED_GREEN = [
  { color: "red", value: null },
  { color: "green", value: 1 },
];

function overview(inputs: DashboardInputs): Dashboard {
  const panels: PanelDraft[] = [
    {
      type: "stat",
      title: "Services up",
      datasource: prom,
      queries: [{ expr: `up{job=~${anyOf(inputs.scrapedJobs)}}`, legend: "{{job}}" }],
      thresholds: RED_GREEN,
      w: 24,
      h: 5,
    },
  ];
  const state = inputs.containerState;
  if (state) {
    const legend = state.source === "cadvisor" ? `{{${state.serviceLabel}}}` : "{{service}}";
    panels.push({
      type: "timeseries",
      title: "Container restarts (15m)",
      datasource: prom,
      queries: [{ expr: containerStarts15m(state), legend }],
      min: 0,
      w: 12,
      h: 8,
    });
  }
  if (state?.source === "cadvisor") {
    const label = state.serviceLabel;
    panels.push(
      {
        type: "timeseries",
        title: "Container memory",
        datasource: prom,
        queries: [{ expr: `container_memory_working_set_bytes{${label}!=""}`, legend: `{{${label}}}` }],
        unit: "bytes",
        w: 12,
        h: 8,
      },
      {
        type: "timeseries",
        title: "Container CPU (cores)",
        datasource: prom,
        queries: [{ expr: `rate(container_cpu_usage_seconds_total{${label}!=""}[5m])`, legend: `{{${label}}}` }],
        w: 12,
        h: 8,
      },
    );
  }
  if (inputs.hostMetrics) {
    panels.push(
      {
        type: "gauge",
        title: "Host memory used",
        datasource: prom,
        queries: [{ expr: "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes" }],
        unit: "percentunit",
        min: 0,
        max: 1,
        thresholds: [
          { color: "green", value: null },
          { color: "orange", value: 0.8 },
          { color: "red", value: 0.9 },
        ],
        w: 6,
        h: 8,
      },
      {
        type: "gauge",
        title: "Fullest filesystem",
        datasource: prom,
        queries: [{ expr: `max(1 - node_filesystem_avail_bytes{${DISK_FSTYPES}} / node_filesystem_size_bytes{${DISK_FSTYPES}})` }],
        unit: "percentunit",
        min: 0,
        max: 1,
        thresholds: [
          { color: "green", value: null },
          { color: "orange", value: 0.8 },
          { color: "red", value: 0.9 },
        ],
        w: 6,
        h: 8,
      },
    );
  }
  return dashboard("ai-suite-overview", "AI Suite: overview", ["ai-suite", "overview"], panels);
}

function gpuMemory(inputs: DashboardInputs): Dashboard {
  const panels: PanelDraft[] = inputs.gpus.flatMap((gpu): PanelDraft[] => [
    {
      type: "timeseries",
      title: `GPU ${gpu.id}: VRAM used vs the stack's budget`,
      datasource: prom,
      queries: [
        { expr: `max(DCGM_FI_DEV_FB_USED{${gpu.matcher}})`, legend: "used (MiB)" },
        { expr: `vector(${gpu.budgetMiB})`, legend: "budget (MiB)" },
        { expr: `max(DCGM_FI_DEV_FB_USED{${gpu.matcher}} + DCGM_FI_DEV_FB_FREE{${gpu.matcher}})`, legend: "total (MiB)" },
      ],
      unit: "decmbytes",
      min: 0,
      w: 16,
      h: 9,
    },
    {
      type: "gauge",
      title: `GPU ${gpu.id}: share of budget`,
      datasource: prom,
      queries: [{ expr: `max(DCGM_FI_DEV_FB_USED{${gpu.matcher}}) / ${gpu.budgetMiB}` }],
      unit: "percentunit",
      min: 0,
      max: 1.1,
      thresholds: [
        { color: "green", value: null },
        { color: "orange", value: Math.round(inputs.gpuAlertFraction * 0.9 * 100) / 100 },
        { color: "red", value: inputs.gpuAlertFraction },
      ],
      w: 8,
      h: 9,
    },
    {
      type: "timeseries",
      title: `GPU ${gpu.id}: utilisation`,
      datasource: prom,
      queries: [{ expr: `max(DCGM_FI_DEV_GPU_UTIL{${gpu.matcher}})`, legend: "GPU %" }],
      unit: "percent",
      min: 0,
      max: 100,
      w: 24,
      h: 7,
    },
  ]);
  return dashboard("ai-suite-gpu", "AI Suite: GPU memory", ["ai-suite", "gpu"], panels);
}

function latency(inputs: DashboardInputs): Dashboard {
  const panels: PanelDraft[] = [];
  if (inputs.llamaJobs.length) {
    const jobs = `job=~${anyOf(inputs.llamaJobs)}`;
    panels.push(
      {
        type: "timeseries",
        title: "Inference: generation speed",
        datasource: prom,
        queries: [{ expr: llamaTokensPerSec(jobs), legend: "{{job}}" }],
        unit: "none",
        min: 0,
        w: 12,
        h: 8,
      },
      {
        type: "timeseries",
        title: "Inference: requests running / queued",
        datasource: prom,
        queries: [
          { expr: `llamacpp:requests_processing{${jobs}}`, legend: "{{job}} running" },
          { expr: `llamacpp:requests_deferred{${jobs}}`, legend: "{{job}} queued" },
        ],
        min: 0,
        w: 12,
        h: 8,
      },
    );
  }
  if (inputs.httpJobs.length) {
    const jobs = `job=~${anyOf(inputs.httpJobs)}`;
    panels.push(
      {
        type: "timeseries",
        title: "HTTP p95 latency (RAG includes the gateway's LLM call)",
        datasource: prom,
        queries: [{ expr: httpP95Latency(jobs), legend: "{{job}}" }],
        unit: "s",
        min: 0,
        w: 12,
        h: 8,
      },
      {
        type: "timeseries",
        title: "HTTP 5xx ratio",
        datasource: prom,
        queries: [{ expr: http5xxRatio(jobs), legend: "{{job}}" }],
        unit: "percentunit",
        min: 0,
        w: 12,
        h: 8,
      },
    );
  }
  for (const service of inputs.logOnlyServices) {
    panels.push({
      type: "logs",
      title: `${service} log (no metrics endpoint)`,
      datasource: LOKI_DATASOURCE,
      queries: [{ expr: `{service="${service}"}` }],
      w: 24,
      h: 10,
    });
  }
  return dashboard("ai-suite-latency", "AI Suite: gateway and inference latency", ["ai-suite", "latency"], panels);
}

export function buildDashboards(inputs: DashboardInputs): Dashboard[] {
  return [overview(inputs), ...(inputs.gpus.length ? [gpuMemory(inputs)] : []), latency(inputs)];
}
