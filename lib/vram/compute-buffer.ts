/**
 * The GPU compute buffer llama.cpp reserves for its worst-case graph. ggml-alloc
 * reuses memory as the graph runs, so the buffer is the peak of two moments:
 *
 * - layer peak: KQ mask + residual stream (live across all layers) plus the
 *   larger of one layer's attention or FFN intermediates (f32), plus, when
 *   blocks stay in host RAM and the ubatch has >= 32 tokens, the weights that
 *   "op offload" (PR #6083) copies to the GPU for one split (a block's FFN or
 *   attention matrices; gpustack/gguf-parser-go#45 measured the step).
 * - output peak: final norm + logits, (n_vocab + n_embd) x rows x 4 B. Rows are
 *   every ubatch token before PR #23861 and one per sequence after it. With the
 *   output layer in host RAM and >= 32 rows, op offload also stages the output
 *   projection on the GPU.
 *
 * Old builds at full offload reproduce the published buffers exactly (the output
 * peak dominates: 75.19 MiB for Qwen2.5-3B at ub 128, 304.00 MiB for 7B at ub 512).
 * The layer peak is an approximation of ggml-alloc's packing (see README).
 */
import type { ModelFacts } from "./model-facts";
import { blockMatmulBytes, outputProjectionBytes, type Placement } from "./placement";

/** ggml-cuda offloads an op on host-resident weights only from this batch size up. */
export const OP_OFFLOAD_MIN_BATCH = 32;
const F32 = 4;

export interface ComputeInput {
  facts: ModelFacts;
  placement: Placement;
  /** Tokens in the reserved ubatch: min(n_ctx, ubatch, batch). */
  tokens: number;
  kvCells: number;
  /** Logits rows reserved. */
  outputRows: number;
  flashAttn: boolean;
  /** Bytes per mask element kept live with flash attention (f32 + f16 copy = 6, f16 only = 2). */
  faMaskBytes: number;
  opOffload: boolean;
  kvOnGpu: boolean;
}

export interface ComputeBreakdown {
  layerPeakBytes: number;
  outputPeakBytes: number;
  stagedWeightBytes: number;
  totalBytes: number;
}

export function computeBuffer(c: ComputeInput): ComputeBreakdown {
  const { facts: f, tokens: T, kvCells: nKv } = c;
  const qDim = f.nHead * f.headDimK;
  const qvDim = f.nHead * f.headDimV;
  const kvDims = f.nHeadKv * (f.headDimK + f.headDimV);

  const mask = nKv * T * (c.flashAttn ? c.faMaskBytes : F32);
  const residual = 2 * f.nEmbd * T * F32;
  const projections = (qDim + kvDims + qvDim) * T * F32;
  // Without flash attention the KQ scores (softmax runs in place) are materialised per head.
  const scores = !c.flashAttn && c.kvOnGpu ? nKv * T * f.nHead * F32 : 0;
  const attention = projections + scores;
  const ffn = 3 * f.nFf * T * F32; // gate, up and their GLU product

  const staging = c.opOffload && T >= OP_OFFLOAD_MIN_BATCH ? cpuBlockStaging(c) : { ffn: 0, attn: 0 };
  const layerPeakBytes = mask + residual + Math.max(attention + staging.attn, ffn + staging.ffn);

  const logits = (f.nVocab + f.nEmbd) * c.outputRows * F32;
  const outputStaged = !c.placement.outputOnGpu && c.opOffload && c.outputRows >= OP_OFFLOAD_MIN_BATCH;
  const outputPeakBytes = c.placement.outputOnGpu ? logits : outputStaged ? outputProjectionBytes(f) + logits : 0;

  return {
    layerPeakBytes,
    outputPeakBytes,
    stagedWeightBytes: Math.max(staging.ffn, staging.attn, outputStaged ? outputProjectionBytes(f) : 0),
    totalBytes: Math.max(layerPeakBytes, outputPeakBytes),
  };
}

/** The largest FFN / attention weight set among host-resident blocks. */
function cpuBlockStaging(c: ComputeInput): { ffn: number; attn: number } {
  let ffn = 0;
  let attn = 0;
  for (let i = 0; i < c.placement.gpuStart; i++) {
    const b = blockMatmulBytes(c.facts, i);
    ffn = Math.max(ffn, b.ffn);
    attn = Math.max(attn, b.attn);
  }
  return { ffn, attn };
}
