/** What `pulumi stack output` shows: endpoints, container names and the GPU plan, as plain data. */
import { keysSentBy } from "./caller-keys";
import type { StackPlan } from "./stack-plan";
import type { VramEstimate } from "../vram";

/** Layers on the GPU ("29/29") and the estimate in whole MiB, as the outputs show them. */
const layerFigures = (e: VramEstimate) => ({ layersOnGpu: `${e.layersOnGpu}/${e.totalLayers}`, estimatedMiB: Math.round(e.totalMiB) });

export function stackOutputs(plan: StackPlan) {
  return {
    phase: plan.phase,
    endpoints: Object.fromEntries(plan.endpoints.map((e) => [e.name, e.url])),
    containers: Object.fromEntries(plan.services.map((s) => [s.service, s.containerName])),
    gpuPlan: plan.gpuPlan.gpus.map((gpu) => ({
      gpu: gpu.id,
      name: gpu.name,
      budgetMiB: gpu.budgetMiB,
      estimatedMiB: gpu.estimatedMiB,
      headroomMiB: gpu.headroomMiB,
      containers: gpu.assignments.map((a) => ({
        service: a.service,
        nGpuLayers: a.nGpuLayers,
        auto: a.auto,
        ...layerFigures(a.estimate),
        weightsMiB: Math.round(a.estimate.weightsMiB),
        kvMiB: Math.round(a.estimate.kvMiB),
        computeMiB: Math.round(a.estimate.computeMiB),
        overheadMiB: Math.round(a.estimate.overheadMiB),
      })),
      ...(gpu.routers.length
        ? {
            routers: gpu.routers.map((r) => ({
              service: r.service,
              maxLoaded: r.maxLoaded,
              worstSet: r.worst.aliases,
              worstMiB: r.worst.totalMiB,
              routerOverheadMiB: r.worst.routerOverheadMiB,
              combinations: r.worst.combinations,
              models: r.models.map((m) => ({
                alias: m.alias,
                nGpuLayers: m.nGpuLayers,
                auto: m.auto,
                ...layerFigures(m.estimate),
              })),
            })),
          }
        : {}),
      ...(gpu.fixedClaims.length
        ? { fixedClaims: gpu.fixedClaims.map((c) => ({ service: c.service, estimatedMiB: c.mib, source: c.source })) }
        : {}),
    })),
    keysSent: keysSentBy(plan.services),
    ...(plan.gpuPlan.cpuServers.length
      ? { cpuServers: plan.gpuPlan.cpuServers.map((c) => ({ service: c.service, reason: c.reason })) }
      : {}),
  };
}
