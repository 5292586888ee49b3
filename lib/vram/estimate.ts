/**
 * GPU memory of one llama-server process, from its argument list: weights of
 * the offloaded layers, KV cache, compute buffer and a per-process CUDA
 * overhead. `estimateVram` is the pure core; `estimateFromArgs` adds the model
 * lookup (GGUF header when the file is mounted, else the built-in catalog).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describeRules, rulesForBuild, type BuildRules } from "./builds";
import { catalogSummary, findInCatalog } from "./catalog";
import { computeBuffer } from "./compute-buffer";
import { readGgufFacts } from "./gguf-header";
import { cacheTypes, kvBytes, kvCells } from "./kv-cache";
import { parseLlamaArgs, type LlamaServerArgs } from "./llama-args";
import type { ModelFacts } from "./model-facts";
import { gpuWeightBytes, placeLayers } from "./placement";

export interface VramEstimate {
  /** The --model value as given. */
  model: string;
  source: "gguf" | "catalog";
  weightsMiB: number;
  kvMiB: number;
  computeMiB: number;
  overheadMiB: number;
  totalMiB: number;
  /** Blocks on GPU + output layer if on GPU (llama.cpp's "37/37" style count). */
  layersOnGpu: number;
  /** n_layer + 1. */
  totalLayers: number;
  /**
   * False when nothing is offloaded (ngl 0). Weights, KV and compute are then 0 and
   * totalMiB is the overhead alone: a CUDA llama-server still creates its context.
   */
  onGpu: boolean;
  /** The placement and compute rules used. */
  rule: string;
  llamaBuild: number;
  blocksOnGpu: number;
  outputOnGpu: boolean;
  /** Context cells the KV cache holds (n_ctx padded as llama.cpp does). */
  kvCells: number;
  nCtx: number;
  /** Tokens in the reserved ubatch: min(n_ctx, ubatch, batch). */
  ubatchTokens: number;
  flashAttn: boolean;
  /** Assumptions made for settings argv left out (e.g. no -c). */
  warnings: string[];
}

export interface EstimateOptions {
  /** Host dir the container sees as containerModelsDir; when set and the file exists, its GGUF header is read. */
  modelsDir?: string;
  /** Default "/models". */
  containerModelsDir?: string;
  /** Per-process CUDA context, cuBLAS workspace and pool slack; default 300 MiB. */
  overheadMiB?: number;
  /** llama.cpp build number (b<N>); default: the build pinned in lib/images.ts. */
  llamaBuild?: number;
}

export const DEFAULT_OVERHEAD_MIB = 300;
const MIB = 1024 * 1024;
const DEFAULTS = { batch: 2048, ubatch: 512, parallel: 1, cacheType: "f16" };

export interface ModelSource {
  facts: ModelFacts;
  source: "gguf" | "catalog";
}

/** Facts for a --model value: the GGUF header when readable through modelsDir, else the catalog. */
export async function loadModelFacts(model: string, options: EstimateOptions = {}): Promise<ModelSource> {
  const hostPath = hostModelPath(model, options);
  if (hostPath && fs.existsSync(hostPath)) return { facts: await readGgufFacts(hostPath), source: "gguf" };
  const match = findInCatalog(model);
  if (match) return { facts: match.facts, source: "catalog" };
  const where = hostPath ? `${hostPath} does not exist` : "no modelsDir was given to read it from";
  throw new Error(
    `VRAM estimate: model "${model}" is unknown (${where}, and "${path.basename(model)}" is not in the built-in catalog: ${catalogSummary()}). ` +
      "Fix: mount the GGUF file (paths.modelsDir) so its header can be read, or add the model to lib/vram/catalog.ts.",
  );
}

function hostModelPath(model: string, options: EstimateOptions): string | undefined {
  if (!options.modelsDir) return undefined;
  const containerDir = (options.containerModelsDir ?? "/models").replace(/\/+$/, "");
  const relative = model.startsWith(`${containerDir}/`) ? model.slice(containerDir.length + 1) : path.isAbsolute(model) ? undefined : model;
  return relative === undefined ? undefined : path.join(options.modelsDir, relative);
}

export async function estimateFromArgs(argv: string[], options: EstimateOptions = {}): Promise<VramEstimate> {
  const args = parseLlamaArgs(argv);
  if (!args.model) throw new Error(`VRAM estimate: the llama-server arguments have no --model/-m: ${argv.join(" ")}`);
  const { facts, source } = await loadModelFacts(args.model, options);
  return estimateVram(facts, source, args, { rules: rulesForBuild(options.llamaBuild), overheadMiB: options.overheadMiB });
}

export function estimateVram(
  facts: ModelFacts,
  source: "gguf" | "catalog",
  args: LlamaServerArgs,
  opts: { rules: BuildRules; overheadMiB?: number },
): VramEstimate {
  const warnings: string[] = [];
  const totalLayers = facts.nLayer + 1;
  let ngl: number;
  if (args.nGpuLayers === undefined) {
    warnings.push("no -ngl: assuming every layer on the GPU (the default differs between builds; set it explicitly)");
    ngl = totalLayers;
  } else if (args.nGpuLayers === "all" || args.nGpuLayers === "auto") {
    if (args.nGpuLayers === "auto") warnings.push("-ngl auto: assuming every layer on the GPU (llama.cpp --fit may choose fewer)");
    ngl = totalLayers;
  } else ngl = Math.min(args.nGpuLayers, totalLayers);

  let nCtx = args.ctxSize ?? 0;
  if (nCtx === 0) {
    if (args.ctxSize === undefined) warnings.push(`no -c: assuming the model's training context ${facts.nCtxTrain} (newer builds' default; set it explicitly)`);
    nCtx = facts.nCtxTrain;
  }
  // "auto" (the default since ~Sept 2025) enables flash attention on CUDA for these head sizes.
  const flashAttn = args.flashAttn !== "off";
  const batch = args.batchSize ?? DEFAULTS.batch;
  const ubatchTokens = Math.min(nCtx, args.ubatchSize ?? DEFAULTS.ubatch, batch); // llama.cpp caps n_ubatch at n_batch
  const cells = kvCells(nCtx, flashAttn);
  const placement = placeLayers(facts.nLayer, ngl, opts.rules.placement);
  const overheadMiB = opts.overheadMiB ?? DEFAULT_OVERHEAD_MIB;
  const onGpu = placement.layersOnGpu > 0;

  let weights = 0;
  let kv = 0;
  let compute = 0;
  if (onGpu) {
    weights = gpuWeightBytes(facts, placement);
    const types = cacheTypes(args.cacheTypeK ?? DEFAULTS.cacheType, args.cacheTypeV ?? DEFAULTS.cacheType, flashAttn);
    kv = args.kvOffload ? kvBytes(facts, placement.blocksOnGpu, cells, types.k, types.v) : 0;
    compute = computeBuffer({
      facts,
      placement,
      tokens: ubatchTokens,
      kvCells: cells,
      outputRows: opts.rules.logitsRows === "ubatch" ? ubatchTokens : (args.parallel ?? DEFAULTS.parallel),
      flashAttn,
      faMaskBytes: opts.rules.faMaskBytes,
      opOffload: args.opOffload,
      kvOnGpu: args.kvOffload,
    }).totalBytes;
  }
  const parts = { weightsMiB: mib(weights), kvMiB: mib(kv), computeMiB: mib(compute), overheadMiB };
  return {
    model: args.model ?? "",
    source,
    ...parts,
    totalMiB: round2(parts.weightsMiB + parts.kvMiB + parts.computeMiB + parts.overheadMiB),
    layersOnGpu: placement.layersOnGpu,
    totalLayers,
    onGpu,
    rule: `${describeRules(opts.rules)}; flash-attn ${flashAttn ? "on" : "off"}; overhead ${overheadMiB} MiB/process`,
    llamaBuild: opts.rules.build,
    blocksOnGpu: placement.blocksOnGpu,
    outputOnGpu: placement.outputOnGpu,
    kvCells: cells,
    nCtx,
    ubatchTokens,
    flashAttn,
    warnings,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const mib = (bytes: number) => round2(bytes / MIB);
