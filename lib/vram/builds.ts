/**
 * llama.cpp build thresholds that change memory accounting, and the rules a
 * given build uses. Build numbers are the `b<N>` release tags. Where the exact
 * first build is not known the threshold is the first build known to include
 * the change, so builds in the uncertain window get the older, larger figure.
 */
import { llamaBuildOf, PINNED_IMAGES } from "../images";

/**
 * PR #18148 "llama: offload output layer to GPU first" (opened 2025-12-17, merged
 * late Dec 2025): `i_gpu_start = max(n_layer + 1 - ngl, 0)`, so the output layer
 * goes to the GPU for any ngl >= 1. APPROXIMATE: b7394 (2025-12-13) predates the
 * PR; the exact merge build was not pinned down, ~b7450-b7600 by release cadence.
 */
export const OUTPUT_LAYER_FIRST_BUILD = 7500;

/**
 * PR #23764 "use f16 mask for FA to save VRAM" (commit 031ddb2e0, 2026-05-29): the
 * flash-attention KQ mask is built in f16 instead of f32 + an f16 copy.
 * APPROXIMATE: b9360 (latest on 2026-05-27) predates it; b9442 (latest on
 * 2026-05-31) is taken as the first build with it.
 */
export const F16_FA_MASK_BUILD = 9442;

/**
 * PR #23861 "llama: limit max outputs of llama_context" (commit de6f727aa,
 * 2026-06-01; issue #23527): llama-server reserves logits for n_seqs rows instead
 * of every ubatch token. b9442 (2026-05-31) predates it, b9467 (2026-06-02) has it.
 */
export const LIMITED_OUTPUTS_BUILD = 9467;

/** Approximate build of the reference measurement (image `server-cuda`, pulled 2025-10-09). */
export const REFERENCE_MEASUREMENT_BUILD = 6700;

export type PlacementRule = "output-first" | "blocks-first";

export interface BuildRules {
  build: number;
  placement: PlacementRule;
  /** Logits rows reserved in the compute graph: every ubatch token (old) or one per sequence (new). */
  logitsRows: "ubatch" | "sequences";
  /** Flash-attention mask element bytes kept live across layers: f32 + f16 copy (old) or f16 only. */
  faMaskBytes: number;
}

export function pinnedLlamaBuild(): number {
  const build = llamaBuildOf(PINNED_IMAGES.llamaCpp);
  if (build === undefined) throw new Error(`PINNED_IMAGES.llamaCpp (${PINNED_IMAGES.llamaCpp}) has no -b<N> build tag`);
  return build;
}

export function rulesForBuild(build: number = pinnedLlamaBuild()): BuildRules {
  return {
    build,
    placement: build >= OUTPUT_LAYER_FIRST_BUILD ? "output-first" : "blocks-first",
    logitsRows: build >= LIMITED_OUTPUTS_BUILD ? "sequences" : "ubatch",
    faMaskBytes: build >= F16_FA_MASK_BUILD ? 2 : 4 + 2,
  };
}

export function describeRules(rules: BuildRules): string {
  const placement =
    rules.placement === "output-first"
      ? `placement: output-first (b>=${OUTPUT_LAYER_FIRST_BUILD}, PR #18148)`
      : `placement: blocks-first (b<${OUTPUT_LAYER_FIRST_BUILD}, before PR #18148)`;
  const logits =
    rules.logitsRows === "sequences"
      ? `logits for n_seqs rows (b>=${LIMITED_OUTPUTS_BUILD}, PR #23861)`
      : `logits for every ubatch token (b<${LIMITED_OUTPUTS_BUILD})`;
  return `b${rules.build}; ${placement}; compute: max(layer peak, output peak), ${logits}, op-offload staging of CPU-resident weights`;
}
