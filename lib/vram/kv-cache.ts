/**
 * KV cache bytes: per offloaded layer, the cache's cells x (K row + V row),
 * where a row holds n_head_kv x head_dim elements of the cache type. How many
 * cells a context gets depends on the build (BuildRules.kvCells):
 *   "pad-by-attention"  older builds: one stream of n_ctx cells, padded to 256
 *                       with flash attention and to 32 without;
 *   "pad256-per-stream" since PR #17046: n_ctx is padded to 256 whatever the
 *                       attention, and unless the cache is unified each of the
 *                       `--parallel` sequences gets its own stream of
 *                       pad256(n_ctx / n_seq) cells (b9851 src/llama-context.cpp
 *                       227-241, src/llama-kv-cache.cpp 98 and 247).
 */
import { ggmlType, rowBytes, type GgmlType } from "./ggml-types";
import type { ModelFacts } from "./model-facts";

export type KvCellRule = "pad-by-attention" | "pad256-per-stream";

export interface KvLayout {
  /** Separate sequence streams (1 when unified). */
  streams: number;
  /** Cells each stream holds: what one sequence can attend to. */
  cellsPerStream: number;
  /** Cells in the whole cache: streams x cellsPerStream. */
  cells: number;
}

const pad = (n: number, to: number) => Math.ceil(n / to) * to;

export function kvLayout(nCtx: number, o: { rule: KvCellRule; flashAttn: boolean; parallel: number; unified: boolean }): KvLayout {
  if (o.rule === "pad-by-attention") {
    const cells = pad(nCtx, o.flashAttn ? 256 : 32);
    return { streams: 1, cellsPerStream: cells, cells };
  }
  const padded = pad(nCtx, 256);
  if (o.unified || o.parallel <= 1) return { streams: 1, cellsPerStream: padded, cells: padded };
  // n_ctx / n_seq_max is unsigned integer division in llama.cpp, then padded again.
  const perStream = pad(Math.floor(padded / o.parallel), 256);
  return { streams: o.parallel, cellsPerStream: perStream, cells: perStream * o.parallel };
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
