/** The alert rules' inputs, from the stack config and what monitoring observes. */
import type { AlertInputs } from "../../monitoring/alerts";
import type { ContainerStateSource } from "../../monitoring/promql";
import type { PlanContext } from "../define-service";
import { HEALER_SERVICE } from "../healer";
import { CADVISOR_SERVICE_LABEL } from "./service-addresses";
import { gpuTargets, type Observed } from "./observed";

export function alertInputs(ctx: PlanContext, observed: Observed): AlertInputs {
  const { monitoring } = ctx.config;
  const healerJob = healerJobOf(observed);
  return {
    scrapedJobs: observed.jobs.map((j) => j.job),
    llamaJobs: observed.llamaJobs,
    httpJobs: observed.httpJobs,
    unscrapedContainers: observed.unscrapedContainers,
    containerState: containerStateSource(ctx, observed),
    healerJob,
    hostMetrics: true,
    gpus: gpuTargets(ctx.config),
    thresholds: monitoring.alerts,
  };
}

function healerJobOf(observed: Observed): string | undefined {
  return observed.jobs.some((j) => j.job === HEALER_SERVICE) ? HEALER_SERVICE : undefined;
}

/** cAdvisor where it reads the Docker API (container names), else the healer's list and events where it runs. */
export function containerStateSource(ctx: PlanContext, observed: Observed): ContainerStateSource | undefined {
  if (ctx.config.monitoring.cadvisor.dockerSocket) return { source: "cadvisor", serviceLabel: CADVISOR_SERVICE_LABEL };
  const job = healerJobOf(observed);
  return job ? { source: "healer", job } : undefined;
}
