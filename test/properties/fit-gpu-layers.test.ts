/**
 * Properties of `fitGpuLayers` (lib/vram/fit.ts) over arbitrary model shapes,
 * server settings, fixed/auto mixes and budgets, checked against independent
 * `estimateFromArgs` calls: the result fits whenever anything does, each auto
 * server gets the largest layer count that fits given the servers before it
 * (so one more layer would not fit, unless it has them all), fixed servers keep
 * theirs, and the preferred server's count never falls as the budget grows.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  estimateFromArgs,
  factsFromSpec,
  fitGpuLayers,
  lookupByFileName,
  withGpuLayers,
  type ArchitectureSpec,
  type FitRequest,
  type ModelFacts,
} from "../../lib/vram";
import { fitsVramBudget, roundMiB } from "../../lib/vram/budget";
import { RECIPES } from "../../lib/vram/quant-recipe";

const RUNS = { numRuns: 200 };
/** Float sums in a different order than fit.ts adds them differ by far less than this. */

/** Dense qwen2/llama shapes, from toy sizes to ~15B parameters (n_embd up to 6144, 36 blocks). */
const spec: fc.Arbitrary<ArchitectureSpec> = fc
  .record({
    architecture: fc.constantFrom("qwen2" as const, "llama" as const),
    // Mostly small (the estimate costs O(n_layer²), a fit O(n_layer³)), sometimes the depth of the stacks' 3-8B models (28-36).
    nLayer: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 12 }), weight: 4 }, { arbitrary: fc.integer({ min: 13, max: 36 }), weight: 1 }),
    headDim: fc.constantFrom(64, 128),
    nHead: fc.integer({ min: 4, max: 48 }),
    gqa: fc.constantFrom(1, 2, 4, 8),
    ffMult: fc.integer({ min: 2, max: 4 }),
    nVocab: fc.integer({ min: 32_000, max: 160_000 }),
    nCtxTrain: fc.constantFrom(2048, 4096, 8192, 32_768, 131_072),
    tiedEmbeddings: fc.boolean(),
    qkvBias: fc.boolean(),
    ropeFreqs: fc.boolean(),
  })
  .map(({ gqa, ffMult, ...s }) => {
    const nEmbd = s.nHead * s.headDim;
    return { ...s, nEmbd, nHeadKv: Math.max(1, Math.floor(s.nHead / gqa)), nFf: Math.ceil((nEmbd * ffMult) / 256) * 256 };
  });

const settings = fc.record(
  {
    ctx: fc.constantFrom(0, 512, 1024, 2048, 4096, 8192, 16_384, 32_768),
    batch: fc.constantFrom(64, 128, 256, 512, 2048),
    ubatch: fc.constantFrom(32, 64, 128, 512),
    parallel: fc.integer({ min: 1, max: 4 }),
    fa: fc.constantFrom("on", "off", "auto"),
    ctk: fc.constantFrom("f16", "q8_0", "q4_0"),
    ctv: fc.constantFrom("f16", "q8_0", "q4_0"),
    noKvOffload: fc.boolean(),
    noOpOffload: fc.boolean(),
    /** An -ngl already in argv, which the fit must override. */
    ngl: fc.integer({ min: 0, max: 99 }),
  },
  { requiredKeys: ["ctx"] },
);

/** A llama-server: mostly "auto" (what the fit decides), else a fixed share of its layers. */
const server = fc
  .record({
    spec,
    settings,
    auto: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
    fixedShare: fc.integer({ min: 0, max: 100 }),
    priority: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ auto, fixedShare, ...rest }) => ({
    ...rest,
    gpuLayers: auto ? ("auto" as const) : Math.round(((rest.spec.nLayer + 1) * fixedShare) / 100),
  }));

function argvOf(file: string, s: Record<string, unknown>): string[] {
  const argv = ["-m", `/models/${file}`];
  const opt = (flag: string, key: string) => s[key] !== undefined && argv.push(flag, String(s[key]));
  opt("-c", "ctx");
  opt("-b", "batch");
  opt("-ub", "ubatch");
  opt("-np", "parallel");
  opt("-fa", "fa");
  opt("-ctk", "ctk");
  opt("-ctv", "ctv");
  opt("-ngl", "ngl");
  if (s.noKvOffload) argv.push("-nkvo");
  if (s.noOpOffload) argv.push("--no-op-offload");
  return argv;
}

const scenario = fc
  .record({
    servers: fc.array(server, { minLength: 1, maxLength: 3 }),
    /**
     * The budget between what the servers need with every auto one at 0 layers (share 0) and at full
     * offload (share 1), a little beyond either side, so most cases land where layers must be cut.
     */
    budgetShare: fc.integer({ min: -100, max: 1100 }).map((permille) => permille / 1000),
    llamaBuild: fc.constantFrom(undefined, 6700, 7500, 9442, 9467),
    overheadMiB: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
  })
  .map(({ servers, budgetShare, llamaBuild, overheadMiB }) => {
    const facts: Record<string, ModelFacts> = {};
    const requests: (FitRequest & { nLayer: number })[] = servers.map((s, i) => {
      const file = `model-${i}-Q4_K_M.gguf`;
      facts[file] = factsFromSpec(s.spec, RECIPES.Q4_K_M!);
      return { id: `server-${i}`, argv: argvOf(file, s.settings), gpuLayers: s.gpuLayers, priority: s.priority, nLayer: s.spec.nLayer };
    });
    const models = lookupByFileName(facts, "test facts", "none");
    const needs = (full: boolean) =>
      requests.reduce(
        (sum, r) =>
          sum +
          estimateFromArgs(withGpuLayers(r.argv, r.gpuLayers !== "auto" ? r.gpuLayers : full ? r.nLayer + 1 : 0), models, {
            llamaBuild,
            overheadMiB,
          }).totalMiB,
        0,
      );
    const [least, most] = [needs(false), needs(true)];
    return { llamaBuild, overheadMiB, requests, models, budgetMiB: Math.max(0, Math.round(least + budgetShare * (most - least))) };
  });

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

const fit = (s: Scenario, budgetMiB = s.budgetMiB) =>
  fitGpuLayers(s.requests, budgetMiB, s.models, { llamaBuild: s.llamaBuild, overheadMiB: s.overheadMiB });
/** Total MiB with the given layer counts, by estimating each server on its own. */
const totalAt = (s: Scenario, layers: Record<string, number>) =>
  s.requests.reduce(
    (sum, r) =>
      sum +
      estimateFromArgs(withGpuLayers(r.argv, layers[r.id]!), s.models, { llamaBuild: s.llamaBuild, overheadMiB: s.overheadMiB }).totalMiB,
    0,
  );
const autosInOrder = (s: Scenario) => s.requests.filter((r) => r.gpuLayers === "auto").sort((a, b) => a.priority - b.priority);

describe("fitGpuLayers, for arbitrary models, settings and budgets", () => {
  it("fits whenever the servers fit at their minimum, and each auto server gets the most layers that fit (one more would not, unless it has them all)", () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 1000 }), (s, pick) => {
        const result = fit(s);
        // Fixed servers keep their counts; auto ones get 0..n_layer+1.
        for (const r of s.requests) {
          if (r.gpuLayers !== "auto") expect(result.layers[r.id]).toBe(r.gpuLayers);
          else {
            expect(result.layers[r.id]).toBeGreaterThanOrEqual(0);
            expect(result.layers[r.id]).toBeLessThanOrEqual(r.nLayer + 1);
          }
        }
        // Compared at the one precision the plan and the pack use (lib/vram/budget.ts).
        expect(result.totalMiB).toBeCloseTo(roundMiB(totalAt(s, result.layers)), 6);
        expect(result.fits).toBe(fitsVramBudget(result.totalMiB, s.budgetMiB));

        // The minimum: every auto server at 0 layers (a CUDA server still holds its overhead).
        const minimum = { ...result.layers };
        for (const r of autosInOrder(s)) minimum[r.id] = 0;
        const minimumMiB = totalAt(s, minimum);
        if (fitsVramBudget(minimumMiB, s.budgetMiB)) expect(result.fits).toBe(true);
        else {
          expect(result.fits).toBe(false);
          for (const r of autosInOrder(s)) expect(result.layers[r.id]).toBe(0);
          return;
        }

        // Each auto server in priority order, with the ones before it at their result and the ones after it at 0.
        const at = { ...minimum };
        for (const r of autosInOrder(s)) {
          const chosen = result.layers[r.id]!;
          if (chosen > 0) expect(fitsVramBudget(totalAt(s, { ...at, [r.id]: chosen }), s.budgetMiB)).toBe(true);
          if (chosen < r.nLayer + 1) {
            // One more layer, and (memory is not monotone in -ngl: the output layer, op-offload staging) one larger count picked at random.
            const further = chosen + 1 + Math.floor((pick / 1001) * (r.nLayer + 1 - chosen));
            for (const more of new Set([chosen + 1, further]))
              expect(fitsVramBudget(totalAt(s, { ...at, [r.id]: more }), s.budgetMiB), `${r.id} at ${more} layers`).toBe(false);
          }
          at[r.id] = chosen;
        }
      }),
      RUNS,
    );
  });

  it("is monotone in the budget: the preferred auto server never gets fewer layers from a larger budget", () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 16 * 1024 }), (s, extraMiB) => {
        const first = autosInOrder(s)[0];
        fc.pre(first !== undefined);
        const smaller = fit(s);
        const larger = fit(s, s.budgetMiB + extraMiB);
        expect(larger.layers[first!.id]).toBeGreaterThanOrEqual(smaller.layers[first!.id]!);
        if (smaller.fits) expect(larger.fits).toBe(true);
      }),
      RUNS,
    );
  });
});
