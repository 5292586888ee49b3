/**
 * The stack's GPU plan: which llama-server runs on which GPU with how many
 * layers, and what VRAM each is estimated to use against the GPU's budget.
 * An over-budget plan is a config error, raised before anything is created.
 * The model facts come from the model lock only, so the plan is the same on
 * every machine, whether or not the model files are there.
 */
import { ConfigError, type ConfigProblem } from "../config/errors";
import { INFERENCE_ROLES, serverMode, type InferenceRole, type StackConfig } from "../config/schema";
import { llamaBuildOf } from "../images";
import { lockLookup, type ModelLock } from "../models/lock";
import { fitGpuLayers, type VramEstimate } from "../vram";
import { EMBEDDING_SERVER_SERVICE } from "./embedding";
import { INFERENCE_SERVICE, llamaServerArgs } from "./inference";
import { fitsVramBudget, gpuBudgetMiB, roundMiB as round } from "../vram/budget";
import type { RouterWorstCase } from "../vram/router-vram";
import { isRouter } from "./llama-router";
import { autoBesideRouterProblems, planRouterOnGpu, routerOverBudgetProblem } from "./router-gpu-plan";

export interface GpuAssignment {
  role: InferenceRole;
  service: string;
  nGpuLayers: number;
  /** True when nGpuLayers was chosen by auto-fit. */
  auto: boolean;
  estimate: VramEstimate;
}

/** VRAM a GPU container holds that the VRAM model does not estimate (the embedding server). */
export interface FixedClaim {
  service: string;
  mib: number;
  /** Where the figure comes from (the config key). */
  source: string;
}

/** One model of a router on a GPU. */
export interface RouterModelAssignment {
  alias: string;
  model: string;
  nGpuLayers: number;
  auto: boolean;
  estimate: VramEstimate;
}

/** A router's share of a GPU: its worst set of `maxLoaded` models plus the router process. */
export interface RouterAssignment {
  role: InferenceRole;
  service: string;
  maxLoaded: number;
  models: RouterModelAssignment[];
  worst: RouterWorstCase;
}

export interface GpuBudget {
  id: string;
  name?: string;
  totalMiB: number;
  reserveMiB: number;
  budgetMiB: number;
  estimatedMiB: number;
  headroomMiB: number;
  assignments: GpuAssignment[];
  /** Servers in router mode on this GPU, each counted at its worst case. */
  routers: RouterAssignment[];
  fixedClaims: FixedClaim[];
}

/** A server with no VRAM plan, and why. */
export interface CpuServer {
  role: InferenceRole;
  service: string;
  reason: string;
}

export interface GpuPlan {
  gpus: GpuBudget[];
  /** GPU layers per inference role, after auto-fit (0 for servers on the CPU). */
  layers: Record<InferenceRole, number>;
  /** Servers in mode cpu: no GPU, no VRAM budget. */
  cpuServers: CpuServer[];
  /** GPU layers per model alias of each router (0 on the CPU). */
  routerLayers: Partial<Record<InferenceRole, Record<string, number>>>;
}

/** Pure and synchronous: the config and the model lock decide everything (see modelLockProblems for models the lock lacks). */
export function planGpus(config: StackConfig, lock: ModelLock): GpuPlan {
  const { inference } = config;
  const models = lockLookup(lock);
  const options = { overheadMiB: inference.perProcessOverheadMiB, llamaBuild: llamaBuildOf(inference.image) };
  const layers = {} as Record<InferenceRole, number>;
  const gpus: GpuBudget[] = [];
  const problems: ConfigProblem[] = [];
  const cpuServers: CpuServer[] = INFERENCE_ROLES.filter((role) => serverMode(config, role) === "cpu").map((role) => ({
    role,
    service: INFERENCE_SERVICE[role],
    reason: `${config.inference[role].mode ? `inference.${role}.mode` : "inference.mode"} is "cpu": the CPU image, no GPU, so no VRAM to budget`,
  }));
  for (const { role } of cpuServers) layers[role] = 0;

  const routerLayers: GpuPlan["routerLayers"] = {};
  for (const { role } of cpuServers) {
    const server = inference[role];
    if (isRouter(server)) routerLayers[role] = Object.fromEntries(server.router.models.map((m) => [m.alias, 0]));
  }

  for (const gpu of config.gpus) {
    const onThisGpu = INFERENCE_ROLES.filter((role) => serverMode(config, role) === "gpu" && inference[role].gpu === gpu.id);
    const roles = onThisGpu.filter((role) => !isRouter(inference[role]));
    const routerRoles = onThisGpu.filter((role) => isRouter(inference[role]));
    const budgetMiB = gpuBudgetMiB(gpu);
    const fixedClaims = fixedClaimsOn(config, gpu.id);
    const fixedMiB = fixedClaims.reduce((sum, c) => sum + c.mib, 0);
    if (routerRoles.length) problems.push(...autoBesideRouterProblems(config, roles, routerRoles));
    const fit = fitGpuLayers(
      roles.map((role) => ({
        id: role,
        argv: llamaServerArgs(inference[role], inference[role].nGpuLayers === "auto" ? 0 : inference[role].nGpuLayers),
        gpuLayers: inference[role].nGpuLayers,
        priority: role === inference.preferOnGpu ? 0 : 1,
      })),
      budgetMiB - fixedMiB,
      models,
      options,
    );
    const assignments = roles.map((role) => ({
      role,
      service: INFERENCE_SERVICE[role],
      nGpuLayers: fit.layers[role],
      auto: inference[role].nGpuLayers === "auto",
      estimate: fit.estimates[role],
    }));
    for (const a of assignments) layers[a.role] = a.nGpuLayers;
    // Routers get what the plain servers and fixed claims leave, one after the other.
    let usedMiB = fit.totalMiB + fixedMiB;
    const routers: RouterAssignment[] = [];
    for (const role of routerRoles) {
      const router = planRouterOnGpu(config, role, budgetMiB - usedMiB, models, options);
      routers.push(router);
      layers[role] = 0;
      routerLayers[role] = Object.fromEntries(router.models.map((m) => [m.alias, m.nGpuLayers]));
      usedMiB += router.worst.totalMiB;
    }
    gpus.push({
      id: gpu.id,
      name: gpu.name,
      totalMiB: gpu.totalMiB,
      reserveMiB: gpu.reserveMiB,
      budgetMiB,
      estimatedMiB: round(usedMiB),
      headroomMiB: round(budgetMiB - usedMiB),
      assignments,
      routers,
      fixedClaims,
    });
    if (!fitsVramBudget(round(usedMiB), budgetMiB)) {
      problems.push(
        routers.length
          ? routerOverBudgetProblem(gpu.id, budgetMiB, usedMiB, routers)
          : overBudgetProblem(gpu.id, budgetMiB, usedMiB, assignments, fixedClaims),
      );
    }
  }
  if (problems.length) throw new ConfigError(problems, "GPU plan");
  return { gpus, layers, cpuServers, routerLayers };
}

function overBudgetProblem(
  gpuId: string,
  budgetMiB: number,
  totalMiB: number,
  assignments: GpuAssignment[],
  fixedClaims: FixedClaim[],
): ConfigProblem {
  const biggest = [...assignments].sort((a, b) => b.estimate.totalMiB - a.estimate.totalMiB)[0];
  const breakdown = [
    ...assignments.map((a) => `${a.service} ${describeEstimate(a.estimate)}`),
    ...fixedClaims.map((c) => `${c.service} ${c.mib} MiB (${c.source})`),
  ].join("; ");
  return {
    key: biggest ? `inference.${biggest.role}.nGpuLayers` : "gpus",
    value: biggest?.nGpuLayers,
    allowed: `GPU "${gpuId}" needs ~${round(totalMiB)} MiB but its budget is ${budgetMiB} MiB (totalMiB - reserveMiB): ${breakdown}`,
    fix: biggest
      ? `lower inference.${biggest.role}.nGpuLayers or ctxSize, or set it to "auto": pulumi config set --path 'inference.${biggest.role}.nGpuLayers' auto`
      : "lower nGpuLayers or ctxSize",
  };
}

/** GPU containers the VRAM model does not estimate, with the claim their config states. */
function fixedClaimsOn(config: StackConfig, gpuId: string): FixedClaim[] {
  const server = config.embedding.server;
  return server.mode === "gpu" && server.gpu === gpuId
    ? [{ service: EMBEDDING_SERVER_SERVICE, mib: server.vramMiB, source: "embedding.server.vramMiB" }]
    : [];
}

export function describeEstimate(e: VramEstimate): string {
  return `${round(e.totalMiB)} MiB = weights ${round(e.weightsMiB)} + KV ${round(e.kvMiB)} + compute ${round(e.computeMiB)} + overhead ${round(e.overheadMiB)} (${e.layersOnGpu}/${e.totalLayers} layers)`;
}
