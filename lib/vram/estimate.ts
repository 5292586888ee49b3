/**
 * GPU memory of one llama-server process, from its argument list: weights of
 * the offloaded layers, KV cache, compute buffer and a per-process CUDA
 * overhead. `estimateVram` is the pure core; `estimateFromArgs` adds the model
 * lookup. Both are synchronous and read nothing: the model facts come from the
 * lookup the caller passes (the model lock for the plan and the policy pack,
 * the built-in catalog for the published-figure checks).
 */
import * as path from "node:path";
import { describeRules, rulesForBuild, type BuildRules } from "./builds";
import { computeBuffer } from "./compute-buffer";
import type { BufferKind } from "./ggml-types";
import { cacheTypes, kvBytes, kvLayout } from "./kv-cache";
import { parseLlamaArgs, resolveSlots, type LlamaServerArgs } from "./llama-args";
import type { ModelFacts } from "./model-facts";
import { gpuWeightBytes, placeLayers } from "./placement";

export interface VramEstimate {
  /** The --model value as given. */
  model: string;
  /** Where the model facts came from (the lookup's name, e.g. "models.lock.json"). */
  source: string;
  weightsMiB: number;
  kvMiB: number;
  computeMiB: number;
  overheadMiB: number;
  totalMiB: number;
  /** The same figures in bytes, unrounded (what a server's log rounds to 0.01 MiB). */
  bytes: { weights: number; kv: number; compute: number };
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
  /** Context cells the KV cache holds (n_ctx padded and split into streams as the build does). */
  kvCells: number;
  /** KV streams: one per slot unless the cache is unified. */
  kvStreams: number;
  /** Slots (`-np`, resolved as the server resolves it). */
  parallel: number;
  nCtx: number;
  /** Tokens in the reserved ubatch: min(n_ctx, ubatch, batch). */
  ubatchTokens: number;
  flashAttn: boolean;
  /** Assumptions made for settings argv left out (e.g. no -c). */
  warnings: string[];
}

export interface EstimateOptions {
  /** Per-process CUDA context, cuBLAS workspace and pool slack; default 300 MiB. */
  overheadMiB?: number;
  /** llama.cpp build number (b<N>); default: the build pinned in lib/images.ts. */
  llamaBuild?: number;
  /**
   * The device's buffer kind: "cuda" (default, the stack's GPUs) or "host" (a CPU
   * backend, or one behind ggml's RPC: how the real-build oracle checks placement here).
   */
  bufferKind?: BufferKind;
}

export const DEFAULT_OVERHEAD_MIB = 300;
const MIB = 1024 * 1024;
const DEFAULTS = { batch: 2048, ubatch: 512, cacheType: "f16" };

export interface ModelSource {
  facts: ModelFacts;
  /** Where the facts came from, for the estimate's `source`. */
  source: string;
}

/**
 * The facts of a --model value (as llama-server gets it, e.g. "/models/x.gguf").
 * Throws an Error that names the model and the fix when it has none.
 */
export type ModelLookup = (model: string) => ModelSource;

/** A lookup over facts keyed by file name (the --model value's last path part). */
export function lookupByFileName(facts: Readonly<Record<string, ModelFacts>>, source: string, fix: string): ModelLookup {
  return (model) => {
    const file = path.posix.basename(model);
    const found = Object.hasOwn(facts, file) ? facts[file] : undefined;
    if (!found) {
      const known = Object.keys(facts);
      throw new Error(
        `VRAM estimate: model "${model}" is not in ${source} (${known.length ? `it has ${known.join(", ")}` : "it is empty"}). Fix: ${fix}`,
      );
    }
    return { facts: found, source };
  };
}

export function estimateFromArgs(argv: string[], models: ModelLookup, options: EstimateOptions = {}): VramEstimate {
  const args = parseLlamaArgs(argv);
  if (!args.model) throw new Error(`VRAM estimate: the llama-server arguments have no --model/-m: ${argv.join(" ")}`);
  const { facts, source } = models(args.model);
  return estimateVram(facts, source, args, {
    rules: rulesForBuild(options.llamaBuild),
    overheadMiB: options.overheadMiB,
    bufferKind: options.bufferKind,
  });
}

export function estimateVram(
  facts: ModelFacts,
  source: string,
  args: LlamaServerArgs,
  opts: { rules: BuildRules; overheadMiB?: number; bufferKind?: BufferKind },
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
    if (args.ctxSize === undefined)
      warnings.push(`no -c: assuming the model's training context ${facts.nCtxTrain} (newer builds' default; set it explicitly)`);
    nCtx = facts.nCtxTrain;
  }
  // "auto" (the default since ~Sept 2025) enables flash attention on CUDA for these head sizes.
  const flashAttn = args.flashAttn !== "off";
  const batch = args.batchSize ?? DEFAULTS.batch;
  const ubatchTokens = Math.min(nCtx, args.ubatchSize ?? DEFAULTS.ubatch, batch); // llama.cpp caps n_ubatch at n_batch
  const slots = resolveSlots(args, opts.rules.defaultParallel);
  const kv_ = kvLayout(nCtx, { rule: opts.rules.kvCells, flashAttn, ...slots });
  const placement = placeLayers(facts.nLayer, ngl, opts.rules.placement);
  const overheadMiB = opts.overheadMiB ?? DEFAULT_OVERHEAD_MIB;
  const onGpu = placement.layersOnGpu > 0;

  let weights = 0;
  let kv = 0;
  let compute = 0;
  if (onGpu) {
    weights = gpuWeightBytes(facts, placement, opts.bufferKind);
    const types = cacheTypes(args.cacheTypeK ?? DEFAULTS.cacheType, args.cacheTypeV ?? DEFAULTS.cacheType, flashAttn);
    kv = args.kvOffload ? kvBytes(facts, placement.blocksOnGpu, kv_.cells, types.k, types.v) : 0;
    compute = computeBuffer({
      facts,
      placement,
      tokens: ubatchTokens,
      kvCells: kv_.cellsPerStream,
      outputRows: opts.rules.logitsRows === "ubatch" ? ubatchTokens : slots.parallel,
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
    bytes: { weights, kv, compute },
    layersOnGpu: placement.layersOnGpu,
    totalLayers,
    onGpu,
    rule: `${describeRules(opts.rules)}; flash-attn ${flashAttn ? "on" : "off"}; overhead ${overheadMiB} MiB/process`,
    llamaBuild: opts.rules.build,
    blocksOnGpu: placement.blocksOnGpu,
    outputOnGpu: placement.outputOnGpu,
    kvCells: kv_.cells,
    kvStreams: kv_.streams,
    parallel: slots.parallel,
    nCtx,
    ubatchTokens,
    flashAttn,
    warnings,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const mib = (bytes: number) => round2(bytes / MIB);
