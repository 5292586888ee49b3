/**
 * Which layers llama.cpp puts on the GPU for a given `-ngl`, and the weight
 * bytes that follow. llama.cpp numbers the output layer n_layer, after the
 * blocks 0..n_layer-1; the input layer (token_embd) always stays in host RAM.
 */
import type { PlacementRule } from "./builds";
import { bufferTensorBytes, cudaTensorBytes, type BufferKind } from "./ggml-types";
import { hasTiedOutput, layerOf, type ModelFacts, type TensorFact } from "./model-facts";

export interface Placement {
  /** First block index on the GPU; blocks gpuStart..n_layer-1 are offloaded. */
  gpuStart: number;
  blocksOnGpu: number;
  outputOnGpu: boolean;
  /** Blocks + output layer on the GPU, as llama.cpp's "offloaded N/M layers". */
  layersOnGpu: number;
  totalLayers: number;
}

/**
 * output-first (PR #18148): i_gpu_start = max(n_layer + 1 - ngl, 0); the output
 * layer (index n_layer) is offloaded for any ngl >= 1.
 * blocks-first (older): i_gpu_start = max(n_layer - ngl, 0); the output layer is
 * offloaded only when ngl > n_layer.
 */
export function placeLayers(nLayer: number, ngl: number, rule: PlacementRule): Placement {
  const n = Math.max(0, Math.floor(ngl));
  const gpuStart = rule === "output-first" ? Math.max(nLayer + 1 - n, 0) : Math.max(nLayer - n, 0);
  const outputOnGpu = rule === "output-first" ? n >= 1 : n > nLayer;
  const blocksOnGpu = Math.max(0, nLayer - gpuStart); // gpuStart is n_layer + 1 at ngl 0 (output-first)
  return { gpuStart, blocksOnGpu, outputOnGpu, layersOnGpu: blocksOnGpu + (outputOnGpu ? 1 : 0), totalLayers: nLayer + 1 };
}

const bytesOf = (tensors: TensorFact[], kind: BufferKind = "cuda") =>
  tensors.reduce((sum, t) => sum + bufferTensorBytes(t.type, t.shape, kind), 0);

export function blockTensors(facts: ModelFacts, index: number): TensorFact[] {
  return facts.tensors.filter((t) => {
    const l = layerOf(t.name);
    return l.kind === "block" && l.index === index;
  });
}

/** Output-layer tensors; with tied embeddings llama.cpp duplicates token_embd here as the output projection. */
export function outputTensors(facts: ModelFacts): TensorFact[] {
  const own = facts.tensors.filter((t) => layerOf(t.name).kind === "output");
  const embd = facts.tensors.find((t) => t.name === "token_embd.weight");
  return hasTiedOutput(facts) && embd ? [...own, embd] : own;
}

/** The output projection alone (output.weight, or token_embd when tied). */
export function outputProjectionBytes(facts: ModelFacts): number {
  const proj = facts.tensors.find((t) => t.name === "output.weight") ?? facts.tensors.find((t) => t.name === "token_embd.weight");
  return proj ? cudaTensorBytes(proj.type, proj.shape) : 0;
}

/** Bytes of the device's model buffer: offloaded blocks plus the output layer when offloaded (CUDA's sizes unless `kind` says otherwise). */
export function gpuWeightBytes(facts: ModelFacts, p: Placement, kind: BufferKind = "cuda"): number {
  let sum = p.outputOnGpu ? bytesOf(outputTensors(facts), kind) : 0;
  for (let i = p.gpuStart; i < facts.nLayer; i++) sum += bytesOf(blockTensors(facts, i), kind);
  return sum;
}

/** Weights of one block's FFN (gate, up, down) and attention projections, the unit op offload stages. */
export function blockMatmulBytes(facts: ModelFacts, index: number): { ffn: number; attn: number } {
  const tensors = blockTensors(facts, index).filter((t) => t.name.endsWith(".weight") && t.shape.length >= 2);
  return {
    ffn: bytesOf(tensors.filter((t) => t.name.includes(".ffn_"))),
    attn: bytesOf(tensors.filter((t) => t.name.includes(".attn_"))),
  };
}
