/**
 * llama.cpp build thresholds that change memory accounting, and the rules a
 * given build uses. Build numbers are the `b<N>` release tags. Where the exact
 * first build is not known the threshold is the first build known to include
 * the change, so builds in the uncertain window get the older, larger figure.
 */
import { llamaBuildOf, PINNED_IMAGES } from "../images";
import type { KvCellRule } from "./kv-cache";

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

/**
 * PR #17046 (opened 2025-11-04): the context is padded to 256 cells whatever the
 * attention, and a non-unified cache (llama-server's default for an explicit
 * `--parallel`) gives each sequence its own pad256(n_ctx / n_seq) stream. b9851
 * has it (checked against the real server, test/vram-real). APPROXIMATE: the
 * first build that can have it, so an uncertain build gets the new, larger figure.
 */
export const KV_PAD256_PER_STREAM_BUILD = 6950;

/**
 * Since the server's `--parallel` defaults to -1 ("auto"), a server started
 * without `-np` has 4 slots sharing one unified cache (b9851
 * tools/server/server.cpp 126-130); before, the default was one slot.
 * APPROXIMATE, taken together with the per-stream cache above.
 */
export const PARALLEL_AUTO_DEFAULT_BUILD = KV_PAD256_PER_STREAM_BUILD;

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
  /** How the KV cache's cells follow from n_ctx, `--parallel` and flash attention. */
  kvCells: KvCellRule;
  /** Slots of a server started without `-np`: 1, or "auto" (4 slots, unified cache). */
  defaultParallel: 1 | "auto";
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
    kvCells: build >= KV_PAD256_PER_STREAM_BUILD ? "pad256-per-stream" : "pad-by-attention",
    defaultParallel: build >= PARALLEL_AUTO_DEFAULT_BUILD ? "auto" : 1,
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
  const kv =
    rules.kvCells === "pad256-per-stream"
      ? `KV: n_ctx padded to 256, one pad256(n_ctx/np) stream per slot unless unified (b>=${KV_PAD256_PER_STREAM_BUILD}, PR #17046)`
      : `KV: n_ctx padded to 256 with flash attention, 32 without (b<${KV_PAD256_PER_STREAM_BUILD})`;
  return `b${rules.build}; ${placement}; ${kv}; compute: max(layer peak, output peak), ${logits}, op-offload staging of CPU-resident weights`;
}
