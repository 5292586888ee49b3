/**
 * KV cache bytes: per offloaded layer, n_kv cells x (K row + V row), where a
 * row holds n_head_kv x head_dim elements of the cache type. `--parallel`
 * shares the n_ctx cells among sequences, so it does not multiply this.
 */
import { ggmlType, rowBytes, type GgmlType } from "./ggml-types";
import type { ModelFacts } from "./model-facts";

/** llama.cpp pads the cell count: to 256 with flash attention, to 32 without. */
export function kvCells(nCtx: number, flashAttn: boolean): number {
  const pad = flashAttn ? 256 : 32;
  return Math.ceil(nCtx / pad) * pad;
}

/** Cache types as llama.cpp applies them: a quantised V cache needs flash attention, else it stays f16. */
export function cacheTypes(typeK: string, typeV: string, flashAttn: boolean): { k: GgmlType; v: GgmlType } {
  const v = ggmlType(typeV);
  const vNeedsFa = v.blockSize > 1;
  return { k: ggmlType(typeK), v: vNeedsFa && !flashAttn ? ggmlType("f16") : v };
}

export function kvBytes(facts: ModelFacts, layers: number, cells: number, k: GgmlType, v: GgmlType): number {
  const perCell = rowBytes(k, facts.nHeadKv * facts.headDimK) + rowBytes(v, facts.nHeadKv * facts.headDimV);
  return layers * cells * perCell;
}
