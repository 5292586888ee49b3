/**
 * What the VRAM model needs to know about a model: hyper-parameters and every
 * tensor (name, ggml type, shape). Read from a GGUF header or generated from
 * the catalog; memory is always computed from these, never stored.
 */
import type { GgmlType } from "./ggml-types";

export interface TensorFact {
  name: string;
  type: GgmlType;
  /** ne0 first, as in GGUF tensor infos. */
  shape: number[];
}

export interface ModelFacts {
  /** `general.architecture`, e.g. "qwen2", "llama". */
  architecture: string;
  /** Transformer blocks (`<arch>.block_count`). */
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  /** Per-head key / value length (`attention.key_length` / `value_length`, default n_embd / n_head). */
  headDimK: number;
  headDimV: number;
  nFf: number;
  nVocab: number;
  /** Training context (`<arch>.context_length`): llama-server's n_ctx when `-c` is 0 or absent in new builds. */
  nCtxTrain: number;
  tensors: TensorFact[];
}

/** Where llama.cpp puts a tensor: a block, the input layer (always host RAM) or the output layer. */
export type TensorLayer = { kind: "block"; index: number } | { kind: "input" } | { kind: "output" };

export function layerOf(name: string): TensorLayer {
  const block = /^blk\.(\d+)\./.exec(name);
  if (block) return { kind: "block", index: Number(block[1]) };
  if (name.startsWith("token_embd") || name.startsWith("position_embd") || name.startsWith("token_types")) return { kind: "input" };
  return { kind: "output" }; // output, output_norm, rope_freqs, cls...
}

/** True when the model has no `output.weight` (tied embeddings): llama.cpp then duplicates token_embd on the output device. */
export function hasTiedOutput(facts: ModelFacts): boolean {
  return !facts.tensors.some((t) => t.name === "output.weight");
}
