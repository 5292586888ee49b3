/**
 * Auto-fit of GPU layers for llama-servers that share one GPU. Fixed requests
 * keep their layer count; "auto" requests are filled in priority order, each
 * getting the largest count that keeps the sum within budget while the
 * requests after it sit at 0 layers.
 */
import { rulesForBuild } from "./builds";
import { estimateVram, type EstimateOptions, type ModelLookup, type ModelSource, type VramEstimate } from "./estimate";
import { parseLlamaArgs, withGpuLayers } from "./llama-args";
import { fitsVramBudget, roundMiB } from "./budget";

export interface FitRequest {
  id: string;
  argv: string[];
  gpuLayers: number | "auto";
  /** Lower = gets layers first. */
  priority: number;
}

export interface FitResult {
  layers: Record<string, number>;
  estimates: Record<string, VramEstimate>;
  totalMiB: number;
  budgetMiB: number;
  fits: boolean;
}

export function fitGpuLayers(requests: FitRequest[], budgetMiB: number, models: ModelLookup, options: EstimateOptions = {}): FitResult {
  const ids = new Set<string>();
  for (const r of requests) {
    if (ids.has(r.id)) throw new Error(`fitGpuLayers: duplicate request id "${r.id}"`);
    ids.add(r.id);
  }
  const { sources, estimateAt } = layerEstimator(requests, models, options);

  const layers: Record<string, number> = {};
  const estimates: Record<string, VramEstimate> = {};
  const set = (r: FitRequest, n: number) => {
    layers[r.id] = n;
    estimates[r.id] = estimateAt(r, n);
  };
  const autos = requests.filter((r) => r.gpuLayers === "auto").sort((a, b) => a.priority - b.priority);
  for (const r of requests) set(r, r.gpuLayers === "auto" ? 0 : r.gpuLayers);

  for (const r of autos) {
    const others = requests.filter((o) => o.id !== r.id).reduce((sum, o) => sum + estimates[o.id]!.totalMiB, 0);
    const max = sources.get(r.id)!.facts.nLayer + 1;
    // Scan down from a full offload: memory is not monotonic in ngl (the output layer and op-offload staging jump).
    for (let n = max; n >= 0; n--) {
      const e = estimateAt(r, n);
      if (fitsVramBudget(others + e.totalMiB, budgetMiB) || n === 0) {
        layers[r.id] = n;
        estimates[r.id] = e;
        break;
      }
    }
  }
  const totalMiB = roundMiB(requests.reduce((sum, r) => sum + estimates[r.id]!.totalMiB, 0));
  return { layers, estimates, totalMiB, budgetMiB, fits: fitsVramBudget(totalMiB, budgetMiB) };
}

/** Each request's model facts, and its estimate at a given layer count (argv otherwise as given). */
export function layerEstimator(requests: readonly FitRequest[], models: ModelLookup, options: EstimateOptions) {
  const rules = rulesForBuild(options.llamaBuild);
  const sources = new Map<string, ModelSource>();
  for (const r of requests) {
    const model = parseLlamaArgs(r.argv).model;
    if (!model) throw new Error(`request "${r.id}" has no --model in its arguments`);
    sources.set(r.id, models(model));
  }
  const estimateAt = (r: FitRequest, layers: number): VramEstimate => {
    const m = sources.get(r.id)!;
    return estimateVram(m.facts, m.source, parseLlamaArgs(withGpuLayers(r.argv, layers)), { rules, overheadMiB: options.overheadMiB });
  };
  return { sources, estimateAt };
}
