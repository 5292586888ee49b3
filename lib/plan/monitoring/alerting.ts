/** The alert rules' inputs, from the stack config and what monitoring observes. */
import type { AlertInputs } from "../../monitoring/alerts";
import type { PlanContext } from "../define-service";
import { HEALER_SERVICE } from "../healer";
import { CADVISOR_SERVICE_LABEL } from "./service-addresses";
import { gpuTargets, type Observed } from "./observed";

export function alertInputs(ctx: PlanContext, observed: Observed): AlertInputs {
  const { monitoring } = ctx.config;
  return {
    scrapedJobs: observed.jobs.map((j) => j.job),
    llamaJobs: observed.llamaJobs,
    httpJobs: observed.httpJobs,
    unscrapedContainers: observed.unscrapedContainers,
    containerNames: monitoring.cadvisor.dockerSocket,
    serviceLabel: CADVISOR_SERVICE_LABEL,
    healerJob: observed.jobs.some((j) => j.job === HEALER_SERVICE) ? HEALER_SERVICE : undefined,
    hostMetrics: true,
    gpus: gpuTargets(ctx.config),
    thresholds: monitoring.alerts,
  };
}
