/**
 * What monitoring sees in the stack, derived from the service specs: scrape
 * jobs from each service's `metrics`, which jobs are llama.cpp servers or
 * FastAPI services, which containers have no metrics endpoint, and the GPUs
 * with their VRAM budget. Adding a service with `metrics` adds its job.
 */
import type { SecretKey, StackConfig } from "../../config/schema";
import type { ScrapeJob } from "../../monitoring/prometheus";
import { promString } from "../../monitoring/promql";
import type { GpuAlertTarget } from "../../monitoring/alerts";
import { MCP_SERVICE } from "../mcp";
import { EMBEDDING_SERVICE, RAG_SERVICE } from "../rag";
import type { ServiceSpec } from "../service-spec";
import { gpuBudgetMiB } from "../../vram/budget";

export type ObservedService = Pick<ServiceSpec, "service" | "containerName" | "group" | "metrics">;

/** FastAPI services instrumented with prometheus-fastapi-instrumentator (http_requests_total, ...). */
const INSTRUMENTED_HTTP = new Set([RAG_SERVICE, EMBEDDING_SERVICE, MCP_SERVICE]);

export interface Observed {
  jobs: ScrapeJob[];
  /** Secrets Prometheus needs as token files, with the file path relative to its config. */
  tokenFiles: { secret: SecretKey; relativePath: string }[];
  llamaJobs: string[];
  httpJobs: string[];
  unscrapedContainers: { service: string; container: string }[];
}

export function tokenFilePath(secret: SecretKey): string {
  return `secrets/${secret}`;
}

export function observe(services: ObservedService[]): Observed {
  const scraped = services.filter((s) => s.metrics);
  const tokenSecrets = [...new Set(scraped.flatMap((s) => (s.metrics!.bearerSecret ? [s.metrics!.bearerSecret] : [])))];
  return {
    jobs: scraped.map((s) => ({
      job: s.service,
      target: `${s.service}:${s.metrics!.port}`,
      metricsPath: s.metrics!.path,
      bearerTokenFile: s.metrics!.bearerSecret ? tokenFilePath(s.metrics!.bearerSecret) : undefined,
    })),
    tokenFiles: tokenSecrets.map((secret) => ({ secret, relativePath: tokenFilePath(secret) })),
    llamaJobs: scraped.filter((s) => s.group === "inference").map((s) => s.service),
    httpJobs: scraped.filter((s) => INSTRUMENTED_HTTP.has(s.service)).map((s) => s.service),
    unscrapedContainers: services.filter((s) => !s.metrics).map((s) => ({ service: s.service, container: s.containerName })),
  };
}

/** DCGM labels GPUs by index (`gpu`) and by `UUID`; the config names them either way. */
export function dcgmMatcher(gpuId: string): string {
  return `${/^\d+$/.test(gpuId) ? "gpu" : "UUID"}=${promString(gpuId)}`;
}

/** Every GPU with the stack's budget for it, when the DCGM exporter runs. */
export function gpuTargets(config: StackConfig): GpuAlertTarget[] {
  if (!config.monitoring.dcgmExporter.enabled) return [];
  return config.gpus.map((gpu) => ({ id: gpu.id, matcher: dcgmMatcher(gpu.id), budgetMiB: gpuBudgetMiB(gpu) }));
}
