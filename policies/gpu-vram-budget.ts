/**
 * gpu-vram-budget: for every GPU, the containers assigned to it must fit its
 * budget (gpuBudgetMiB in lib/vram/budget.ts, as the plan computes it). A llama-server's
 * share is estimated from its own argv (model, -ngl, -c, -b/-ub, cache types)
 * and its image's llama.cpp build by the same lib/vram code the program plans
 * with, so a PR that raises -ngl or -c is caught even if nothing else changed.
 * The model's facts come from the model lock (models.lock.json), never from a
 * GGUF file, so the verdict is the same on a PR runner and on the GPU host.
 * A GPU container must also really get an NVIDIA GPU; the reference reserved a
 * GPU for CPU-only images and never used it (in the reference docker-compose files, sunbangamen/local-ai-suite).
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { defaultStackConfig } from "../lib/config/load";
import { llamaBuildOf } from "../lib/images";
import { lockLookup, type ModelLock } from "../lib/models/lock";
import { describeEstimate } from "../lib/plan/gpu-plan";
import { estimateFromArgs, parseLlamaArgs, pinnedLlamaBuild, type ModelLookup, type VramEstimate } from "../lib/vram";
import { describeContainer, type ContainerView } from "./support/container-view";
import { gpuRequestOf, resolveSelection } from "./support/gpu-request";
import { rethrowUnknown, unknownUploadContentIndex, type UnknownValue } from "./support/known";
import { isLlamaCppCudaImage, isLlamaCppImage, llamaServerArgv } from "./support/llama-server";
import { packModelLock } from "./support/model-lock";
import { VRAM_CLAIM_LABEL } from "./support/resource-types";
import { stackContainers } from "./support/stack-containers";
import { routerPresetPathOf, routerView, type RouterView } from "./support/llama-router";
import { describeWorstCase, routerWorstCase } from "../lib/vram/router-vram";
import { fitsVramBudget, gpuBudgetMiB, roundMiB } from "../lib/vram/budget";

export interface GpuBudgetEntry {
  id: string;
  name?: string;
  totalMiB: number;
  reserveMiB: number;
}

export interface VramBudgetConfig {
  /** The stack's GPUs; must match `gpus` in Pulumi.<stack>.yaml (a test keeps them equal). */
  gpus: GpuBudgetEntry[];
  /** Per-process CUDA overhead; must match `inference.perProcessOverheadMiB`. */
  perProcessOverheadMiB: number;
  /** VRAM held by GPU containers that are not llama-server, by service, when they carry no vram-mib label. */
  fixedClaimsMiB: Record<string, number>;
}

/** One container's share of a GPU. */
export interface VramClaim {
  container: ContainerView;
  gpuIds: string[];
  mib: number;
  /** "<mib> MiB = weights ... + KV ... (...)" or where a fixed claim came from. */
  breakdown: string;
  estimate?: VramEstimate;
}

export interface VramFinding {
  message: string;
  urn?: string;
}

const DEFAULTS = defaultStackConfig();

/** True when the container is meant to use a GPU (see the policy description). */
export function isGpuContainer(c: ContainerView): boolean {
  const request = gpuRequestOf(c);
  if (request.requested || c.props.runtime === "nvidia" || c.labels[VRAM_CLAIM_LABEL] !== undefined) return true;
  if (isLlamaCppCudaImage(c.imageRef)) return true;
  const argv = llamaServerArgv(c);
  return argv !== undefined && requestsGpuLayers(c, argv);
}

/** The server, or for a router any model its preset lists, asks for GPU layers. */
function requestsGpuLayers(c: ContainerView, argv: string[]): boolean {
  const router = routerView(c, argv);
  return router ? router.models.some((m) => gpuLayersRequested(m.argv)) : gpuLayersRequested(argv);
}

/** -ngl > 0, "all", "auto", or absent (recent builds then offload everything). */
function gpuLayersRequested(argv: string[]): boolean {
  try {
    const ngl = parseLlamaArgs(argv).nGpuLayers;
    return ngl === undefined || typeof ngl === "string" || ngl > 0;
  } catch {
    return true; // unparseable argv: the estimate reports it
  }
}

function claimOf(c: ContainerView, gpuIds: string[], config: VramBudgetConfig, models: ModelLookup, findings: VramFinding[]): VramClaim {
  const argv = llamaServerArgv(c);
  const router = argv ? routerView(c, argv) : undefined;
  if (router) return routerClaim(c, gpuIds, router, config, models, findings);
  // An embedding server (BERT-style, --embeddings) is no generative model the VRAM model covers: its claim is stated.
  if (argv && !argv.includes("--embeddings")) {
    const build = c.imageRef ? llamaBuildOf(c.imageRef) : undefined;
    try {
      const estimate = estimateFromArgs(argv, models, { overheadMiB: config.perProcessOverheadMiB, llamaBuild: build });
      const buildNote =
        build === undefined ? `; llama.cpp build unknown (image ${c.imageRef ?? "unresolved"}), assumed b${pinnedLlamaBuild()}` : "";
      return {
        container: c,
        gpuIds,
        mib: estimate.totalMiB,
        breakdown: `${describeEstimate(estimate)}, ${estimate.source}${buildNote}`,
        estimate,
      };
    } catch (error) {
      findings.push({
        urn: c.urn,
        message: `${describeContainer(c)}: cannot estimate its VRAM from its llama-server arguments, so the GPU budget cannot be proven: ${(error as Error).message}`,
      });
      return { container: c, gpuIds, mib: 0, breakdown: "0 MiB (estimate failed, see the separate violation)" };
    }
  }
  const label = c.labels[VRAM_CLAIM_LABEL];
  if (label !== undefined && /^\d+$/.test(label))
    return { container: c, gpuIds, mib: Number(label), breakdown: `${label} MiB (fixed claim, label ${VRAM_CLAIM_LABEL})` };
  if (label !== undefined) {
    findings.push({
      urn: c.urn,
      message: `${describeContainer(c)}: label ${VRAM_CLAIM_LABEL}="${label}" is not a whole number of MiB. Fix: set it to e.g. "256".`,
    });
  }
  const fixed = config.fixedClaimsMiB[c.service];
  if (fixed !== undefined)
    return { container: c, gpuIds, mib: fixed, breakdown: `${fixed} MiB (fixed claim, policy config fixedClaimsMiB.${c.service})` };
  if (argv) {
    findings.push({
      urn: c.urn,
      message: `${describeContainer(c)} is an embedding llama-server on the GPU with no stated VRAM claim, so the GPU budget cannot be proven. Fix: set embedding.server.vramMiB (the plan labels the container ${VRAM_CLAIM_LABEL}).`,
    });
  }
  return {
    container: c,
    gpuIds,
    mib: 0,
    breakdown: `0 MiB (not llama-server and no ${VRAM_CLAIM_LABEL} label or fixedClaimsMiB entry: counted as 0, which may be optimistic)`,
  };
}

/**
 * A router's claim: the router process plus its worst set of --models-max
 * models, each estimated from the argv the router will give its child (preset
 * section, then the router's own argv). Every model must be in the lock, and
 * the preset must be the whole list of what it may load.
 */
function routerClaim(
  c: ContainerView,
  gpuIds: string[],
  router: RouterView,
  config: VramBudgetConfig,
  models: ModelLookup,
  findings: VramFinding[],
): VramClaim {
  const where = `${describeContainer(c)} is a llama-server router`;
  for (const problem of router.problems) findings.push({ urn: c.urn, message: `${where}, but ${problem}.` });
  const build = c.imageRef ? llamaBuildOf(c.imageRef) : undefined;
  const estimates: Record<string, number> = {};
  for (const m of router.models) {
    try {
      estimates[m.name] = estimateFromArgs(m.argv, models, { overheadMiB: config.perProcessOverheadMiB, llamaBuild: build }).totalMiB;
    } catch (error) {
      findings.push({
        urn: c.urn,
        message: `${where} that may load model [${m.name}], whose VRAM cannot be estimated, so its worst case cannot be proven: ${(error as Error).message}. Fix: add the model to models.lock.json (npm run models -- add) or remove it from the preset.`,
      });
    }
  }
  const claims = Object.entries(estimates).map(([alias, mib]) => ({ alias, mib }));
  const worst = routerWorstCase(claims, router.maxLoaded, config.perProcessOverheadMiB);
  return {
    container: c,
    gpuIds,
    mib: worst.totalMiB,
    breakdown: `router, at most ${router.maxLoaded} loaded: ${describeWorstCase(worst, estimates)}`,
  };
}

/** Request problems that leave a GPU container on the CPU or on an unknown device. */
function requestFindings(c: ContainerView, gpuIds: readonly string[]): { findings: VramFinding[]; ids: string[] } {
  const where = describeContainer(c);
  const request = gpuRequestOf(c);
  const findings: VramFinding[] = request.problems.map((p) => ({
    urn: c.urn,
    message: `${where} is a GPU container but ${p}. Fix: request the GPU explicitly as deviceRequests: [{ driver: "nvidia", deviceIds: ["<gpu id>"], capabilities: ["gpu"] }] (components/service.ts does this from gpuDeviceIds).`,
  }));
  if (!request.requested && request.problems.length === 0) {
    findings.push({
      urn: c.urn,
      message: `${where} is a GPU container (${gpuReason(c)}) but requests no NVIDIA device, so it runs on the CPU or on whatever the runtime defaults to. Fix: set gpuDeviceIds in its ServiceSpec (deviceRequests with driver "nvidia", deviceIds and capabilities ["gpu"]).`,
    });
  }
  const argv = llamaServerArgv(c);
  if (argv && requestsGpuLayers(c, argv) && isLlamaCppImage(c.imageRef) && !isLlamaCppCudaImage(c.imageRef)) {
    findings.push({
      urn: c.urn,
      message: `${where} asks llama-server for GPU layers, but its image ${c.imageRef} is not a CUDA build, so every layer silently runs on the CPU. Fix: use a server-cuda-b<N> tag (PINNED_IMAGES.llamaCpp).`,
    });
  }
  if (!request.selection) return { findings, ids: [] };
  const resolved = resolveSelection(request.selection, gpuIds);
  if (resolved.unknown.length) {
    findings.push({
      urn: c.urn,
      message: `${where} requests GPU ${resolved.unknown.map((id) => `"${id}"`).join(", ")}, which the policy config's gpus (${gpuIds.join(", ")}) does not list, so its VRAM is not budgeted. Fix: use a configured GPU id, or add the GPU to gpus in both Pulumi.<stack>.yaml and policies/config/<stack>.json.`,
    });
  }
  return { findings, ids: resolved.ids };
}

function gpuReason(c: ContainerView): string {
  if (isLlamaCppCudaImage(c.imageRef)) return `CUDA image ${c.imageRef}`;
  if (c.labels[VRAM_CLAIM_LABEL] !== undefined) return `label ${VRAM_CLAIM_LABEL}`;
  if (c.props.runtime === "nvidia") return `runtime "nvidia"`;
  return "llama-server with GPU layers";
}

/**
 * Each GPU container's share of the GPUs it requests, and what is wrong with its request or estimate.
 * `lock`: the model lock the estimates read (default: the repository's, as the pack runs).
 */
export function vramClaims(
  views: readonly ContainerView[],
  config: VramBudgetConfig,
  lock: ModelLock = packModelLock(),
): { claims: VramClaim[]; findings: VramFinding[] } {
  const findings: VramFinding[] = [];
  const gpuIds = config.gpus.map((g) => g.id);
  const models = lockLookup(lock);
  const claims: VramClaim[] = [];
  for (const c of views.filter(isGpuContainer)) {
    const request = requestFindings(c, gpuIds);
    findings.push(...request.findings);
    if (request.ids.length) claims.push(claimOf(c, request.ids, config, models, findings));
  }
  return { claims, findings };
}

export function vramFindings(views: readonly ContainerView[], config: VramBudgetConfig, lock: ModelLock = packModelLock()): VramFinding[] {
  const { claims, findings } = vramClaims(views, config, lock);
  for (const gpu of config.gpus) {
    const budget = gpuBudgetMiB(gpu);
    const onGpu = claims.filter((cl) => cl.gpuIds.includes(gpu.id)).sort((a, b) => b.mib - a.mib);
    const total = roundMiB(onGpu.reduce((sum, cl) => sum + cl.mib, 0));
    if (fitsVramBudget(total, budget)) continue;
    const biggest = onGpu[0]!;
    const split = onGpu.filter((cl) => cl.gpuIds.length > 1).map((cl) => cl.container.service);
    findings.push({
      urn: biggest.container.urn,
      message:
        `GPU "${gpu.id}"${gpu.name ? ` (${gpu.name})` : ""} is over budget: its containers need ~${total} MiB but the budget is ${budget} MiB (totalMiB ${gpu.totalMiB} - reserveMiB ${gpu.reserveMiB}). ` +
        `Per container: ${onGpu.map((cl) => `${cl.container.service}: ${cl.breakdown}`).join("; ")}.` +
        (split.length ? ` (${split.join(", ")} span several GPUs and are counted in full on each.)` : "") +
        ` Fix: lower -ngl or -c of ${biggest.container.service} (for the inference servers set inference.<role>.nGpuLayers to "auto" or lower ctxSize in Pulumi.<stack>.yaml), or move a container to another GPU.`,
    });
  }
  return findings;
}

export const gpuVramBudget: StackValidationPolicy = {
  name: "gpu-vram-budget",
  description:
    "Checks that every GPU container requests an NVIDIA GPU explicitly and that the estimated VRAM of the containers on each GPU fits its budget (total minus reserve).",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      gpus: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          properties: {
            id: { type: "string" },
            name: { type: "string" },
            totalMiB: { type: "integer", minimum: 1 },
            reserveMiB: { type: "integer", minimum: 0 },
          },
          required: ["id", "totalMiB", "reserveMiB"],
        },
        default: DEFAULTS.gpus.map((g) => ({
          id: g.id,
          ...(g.name ? { name: g.name } : {}),
          totalMiB: g.totalMiB,
          reserveMiB: g.reserveMiB,
        })),
      },
      perProcessOverheadMiB: { type: "integer", minimum: 0, default: DEFAULTS.inference.perProcessOverheadMiB },
      fixedClaimsMiB: { type: "object", additionalProperties: { type: "integer", minimum: 0 }, default: {} },
    },
  },
  validateStack: async (args, reportViolation) => {
    const { views } = stackContainers(args.resources);
    for (const f of vramFindings(views, args.getConfig<VramBudgetConfig>())) reportViolation(f.message, f.urn);
    // Of the shipped files only a router's preset is read: a generated key file unknown at preview does not matter.
    const matters = (v: ContainerView, u: UnknownValue) => {
      const i = unknownUploadContentIndex(u);
      return i === undefined || v.props.uploads?.[i]?.file === routerPresetPathOf(v);
    };
    rethrowUnknown(
      views.flatMap((v) => v.unknown.filter((u) => matters(v, u))),
      ["command", "entrypoints", "deviceRequests", "gpus", "runtime", "labels", "volumes", "mounts", "image", "uploads"],
    );
  },
};
