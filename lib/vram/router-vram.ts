/**
 * The VRAM worst case of a llama-server router: with `--models-max N` it never
 * holds more than N children (b9851 unloads the least recently used one and
 * waits for it to exit before it spawns the next: server-models.cpp,
 * unload_lru), so its peak is the router process plus the largest sum of any N
 * of its models' estimates. That sum is the N largest, so the worst set is
 * found by sorting, whatever the number of combinations.
 */
import { fitsVramBudget, roundMiB } from "./budget";
import type { EstimateOptions, ModelLookup, VramEstimate } from "./estimate";
import { layerEstimator, type FitRequest } from "./fit";

export interface RouterModelClaim {
  alias: string;
  mib: number;
}

export interface RouterWorstCase {
  /** The models of the worst set, largest first. */
  aliases: string[];
  /** Router overhead plus the set's estimates. */
  totalMiB: number;
  routerOverheadMiB: number;
  /** How many sets of maxLoaded models exist (every one is at most totalMiB). */
  combinations: number;
}

export function routerWorstCase(models: readonly RouterModelClaim[], maxLoaded: number, routerOverheadMiB: number): RouterWorstCase {
  if (!Number.isInteger(maxLoaded) || maxLoaded < 0) throw new Error(`maxLoaded must be a whole number >= 0, got ${maxLoaded}`);
  const n = Math.min(maxLoaded, models.length);
  const worst = [...models].sort((a, b) => b.mib - a.mib || a.alias.localeCompare(b.alias)).slice(0, n);
  return {
    aliases: worst.map((m) => m.alias),
    totalMiB: roundMiB(routerOverheadMiB + worst.reduce((sum, m) => sum + m.mib, 0)),
    routerOverheadMiB,
    combinations: binomial(models.length, n),
  };
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

export function describeWorstCase(w: RouterWorstCase, estimates: Record<string, number>): string {
  const parts = w.aliases.map((a) => `${a} ${roundMiB(estimates[a] ?? 0)}`);
  return `${w.totalMiB} MiB = router ${w.routerOverheadMiB} + ${parts.join(" + ")} (worst of ${w.combinations} set(s) of ${w.aliases.length})`;
}

export interface RouterFitResult {
  layers: Record<string, number>;
  estimates: Record<string, VramEstimate>;
  worst: RouterWorstCase;
  fits: boolean;
}

/**
 * GPU layers for a router's models so that its worst set fits `budgetMiB`.
 * Fixed requests keep their count; "auto" ones start fully offloaded, and while
 * the worst set is over budget the largest auto model in it gives up one layer
 * (the worst set is recomputed each time: it may change members).
 */
export function fitRouterLayers(
  requests: readonly FitRequest[],
  maxLoaded: number,
  routerOverheadMiB: number,
  budgetMiB: number,
  models: ModelLookup,
  options: EstimateOptions = {},
): RouterFitResult {
  const { sources, estimateAt } = layerEstimator(requests, models, options);
  const layers: Record<string, number> = {};
  const estimates: Record<string, VramEstimate> = {};
  for (const r of requests) {
    layers[r.id] = r.gpuLayers === "auto" ? sources.get(r.id)!.facts.nLayer + 1 : r.gpuLayers;
    estimates[r.id] = estimateAt(r, layers[r.id]!);
  }
  const worstNow = () =>
    routerWorstCase(
      requests.map((r) => ({ alias: r.id, mib: estimates[r.id]!.totalMiB })),
      maxLoaded,
      routerOverheadMiB,
    );
  let worst = worstNow();
  while (!fitsVramBudget(worst.totalMiB, budgetMiB)) {
    const shrinkable = requests
      .filter((r) => r.gpuLayers === "auto" && worst.aliases.includes(r.id) && layers[r.id]! > 0)
      .sort((a, b) => estimates[b.id]!.totalMiB - estimates[a.id]!.totalMiB)[0];
    if (!shrinkable) break;
    layers[shrinkable.id]! -= 1;
    estimates[shrinkable.id] = estimateAt(shrinkable, layers[shrinkable.id]!);
    worst = worstNow();
  }
  return { layers, estimates, worst, fits: fitsVramBudget(worst.totalMiB, budgetMiB) };
}
