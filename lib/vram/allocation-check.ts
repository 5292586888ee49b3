/**
 * The plan beside what a running llama-server allocated (`health`). The server
 * reports its own figures on its HTTP API, so nothing has to raise its log
 * level or wrap its PID 1:
 *   - /props: total_slots and each slot's n_ctx, so the KV cells it holds
 *     (slots x n_ctx per slot, or n_ctx alone when the cache is unified);
 *   - /v1/models: meta.size, the bytes of every tensor it loaded;
 *   - nvidia-smi, on a GPU host: the process's device memory.
 * Tolerances: cells and model bytes must match exactly (they are integers the
 * plan derives from the lock and the argv); the process memory may differ from
 * the plan's total by TOTAL_TOLERANCE, since the CUDA overhead is an assumed
 * per-card figure.
 */
import { tensorBytes } from "./ggml-types";
import type { VramEstimate } from "./estimate";
import type { ModelFacts } from "./model-facts";

export const TOTAL_TOLERANCE = 0.1;

export interface ObservedAllocation {
  slots: number;
  nCtxPerSlot: number;
  modelBytes: number;
  /** nvidia-smi's used memory of the server's process, MiB, where there is a GPU. */
  processMiB?: number;
}

export interface AllocationRow {
  figure: "kv cells" | "model bytes" | "gpu MiB";
  planned: number;
  observed: number;
  ok: boolean;
}

export function compareAllocation(estimate: VramEstimate, facts: ModelFacts, observed: ObservedAllocation): AllocationRow[] {
  const cells = estimate.kvStreams > 1 ? observed.slots * observed.nCtxPerSlot : observed.nCtxPerSlot;
  const modelBytes = facts.tensors.reduce((sum, t) => sum + tensorBytes(t.type, t.shape), 0);
  const rows: AllocationRow[] = [
    { figure: "kv cells", planned: estimate.kvCells, observed: cells, ok: cells === estimate.kvCells },
    { figure: "model bytes", planned: modelBytes, observed: observed.modelBytes, ok: modelBytes === observed.modelBytes },
  ];
  if (observed.processMiB !== undefined && estimate.onGpu) {
    const ok = Math.abs(observed.processMiB - estimate.totalMiB) <= estimate.totalMiB * TOTAL_TOLERANCE;
    rows.push({ figure: "gpu MiB", planned: estimate.totalMiB, observed: observed.processMiB, ok });
  }
  return rows;
}
