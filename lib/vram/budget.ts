/**
 * A GPU's VRAM budget and the one precision every comparison with it uses. The
 * plan (lib/plan/gpu-plan.ts, lib/vram/fit.ts), the pack (gpu-vram-budget,
 * kubernetes-gpu-vram-budget), the GPU memory alert and doctor all go through
 * these, so they agree on what fits.
 */

export interface GpuCapacity {
  /** The card's memory as nvidia-smi reports it. */
  totalMiB: number;
  /** Kept free for the driver, the display and other processes. */
  reserveMiB: number;
}

/** What the stack may put on the GPU. */
export function gpuBudgetMiB(gpu: GpuCapacity): number {
  return gpu.totalMiB - gpu.reserveMiB;
}

/** VRAM figures are printed and compared in MiB to one decimal: estimates are not finer than that. */
export function roundMiB(mib: number): number {
  return Math.round(mib * 10) / 10;
}

/** Whether an estimate fits a budget, at roundMiB's precision. */
export function fitsVramBudget(neededMiB: number, budgetMiB: number): boolean {
  return roundMiB(neededMiB) <= budgetMiB;
}
