/** A router's part of the GPU plan: its models' layers and its worst set against what the GPU has left. */
import type { ConfigProblem } from "../config/errors";
import { routerModelServer, type InferenceRole, type StackConfig } from "../config/schema";
import type { EstimateOptions, ModelLookup } from "../vram";
import { roundMiB as round } from "../vram/budget";
import { describeWorstCase, fitRouterLayers } from "../vram/router-vram";
import type { RouterAssignment } from "./gpu-plan";
import { INFERENCE_SERVICE, llamaServerArgs } from "./inference";
import type { RoutedServer } from "./llama-router";

export function planRouterOnGpu(
  config: StackConfig,
  role: InferenceRole,
  availableMiB: number,
  models: ModelLookup,
  options: EstimateOptions,
): RouterAssignment {
  const server = config.inference[role] as RoutedServer;
  const requests = server.router.models.map((m) => {
    const settings = routerModelServer(server, m);
    return {
      id: m.alias,
      argv: llamaServerArgs(settings, settings.nGpuLayers === "auto" ? 0 : settings.nGpuLayers),
      gpuLayers: settings.nGpuLayers,
      priority: 0,
    };
  });
  // The router process counts like any llama-server process: b9851 says it skips device
  // enumeration and creates no CUDA context (server.cpp), but that is unmeasured here.
  const overheadMiB = config.inference.perProcessOverheadMiB;
  const fit = fitRouterLayers(requests, server.router.maxLoaded, overheadMiB, availableMiB, models, options);
  return {
    role,
    service: INFERENCE_SERVICE[role],
    maxLoaded: server.router.maxLoaded,
    models: server.router.models.map((m, i) => ({
      alias: m.alias,
      model: m.model,
      nGpuLayers: fit.layers[m.alias]!,
      auto: requests[i]!.gpuLayers === "auto",
      estimate: fit.estimates[m.alias]!,
    })),
    worst: fit.worst,
  };
}

export function describeRouter(r: RouterAssignment): string {
  return `${r.service} (router, maxLoaded ${r.maxLoaded}) ${describeWorstCase(
    r.worst,
    Object.fromEntries(r.models.map((m) => [m.alias, m.estimate.totalMiB])),
  )}`;
}

export function routerOverBudgetProblem(gpuId: string, budgetMiB: number, totalMiB: number, routers: RouterAssignment[]): ConfigProblem {
  const router = routers[routers.length - 1]!;
  const biggest = router.models.find((m) => m.alias === router.worst.aliases[0])!;
  const index = router.models.indexOf(biggest);
  const key = `inference.${router.role}.router.models[${index}]`;
  return {
    key: `${key}.nGpuLayers`,
    value: biggest.nGpuLayers,
    allowed: `GPU "${gpuId}" needs ~${round(totalMiB)} MiB at the router's worst set of loaded models but its budget is ${budgetMiB} MiB: ${routers.map(describeRouter).join("; ")}`,
    fix: `lower ${key}.nGpuLayers or ctxSize, set it to "auto", or lower inference.${router.role}.router.maxLoaded`,
  };
}

/** "auto" layers of a plain server cannot be fitted against a router's worst case on the same GPU (each would wait for the other). */
export function autoBesideRouterProblems(config: StackConfig, plainRoles: InferenceRole[], routerRoles: InferenceRole[]): ConfigProblem[] {
  return plainRoles
    .filter((role) => config.inference[role].nGpuLayers === "auto")
    .map((role) => ({
      key: `inference.${role}.nGpuLayers`,
      value: "auto",
      allowed: `a whole number when a router (${routerRoles.map((r) => `inference.${r}`).join(", ")}) shares its GPU`,
      fix: `set a layer count: pulumi config set --path 'inference.${role}.nGpuLayers' 20, or put one of them on another GPU`,
    }));
}
