import { describe, expect, it } from "vitest";
import { catalogModels, estimateFromArgs, OUTPUT_LAYER_FIRST_BUILD, placeLayers } from "../../lib/vram";

describe("placeLayers", () => {
  it("blocks-first (before PR #18148): the last ngl blocks, output only when ngl > n_layer", () => {
    expect(placeLayers(28, 20, "blocks-first")).toMatchObject({ gpuStart: 8, blocksOnGpu: 20, outputOnGpu: false, layersOnGpu: 20 });
    expect(placeLayers(28, 28, "blocks-first")).toMatchObject({ gpuStart: 0, outputOnGpu: false, layersOnGpu: 28 });
    expect(placeLayers(28, 29, "blocks-first")).toMatchObject({ gpuStart: 0, outputOnGpu: true, layersOnGpu: 29 });
  });

  it("output-first (PR #18148): output for any ngl >= 1, then the last ngl-1 blocks", () => {
    expect(placeLayers(28, 1, "output-first")).toMatchObject({ gpuStart: 28, blocksOnGpu: 0, outputOnGpu: true, layersOnGpu: 1 });
    expect(placeLayers(28, 20, "output-first")).toMatchObject({ gpuStart: 9, blocksOnGpu: 19, outputOnGpu: true, layersOnGpu: 20 });
    // ngl = n_layer leaves block 0 in host RAM; only n_layer + 1 is a full offload.
    expect(placeLayers(28, 28, "output-first")).toMatchObject({ gpuStart: 1, outputOnGpu: true });
    expect(placeLayers(28, 29, "output-first")).toMatchObject({ gpuStart: 0, layersOnGpu: 29 });
  });

  it("ngl 0 offloads nothing, ngl 999 everything, under both rules", () => {
    for (const rule of ["blocks-first", "output-first"] as const) {
      expect(placeLayers(36, 0, rule)).toMatchObject({ layersOnGpu: 0, outputOnGpu: false, blocksOnGpu: 0 });
      expect(placeLayers(36, 999, rule)).toMatchObject({ layersOnGpu: 37, totalLayers: 37, outputOnGpu: true });
    }
  });
});

describe("7B coder at ngl 20: weights under both rules", () => {
  const argv = ["-m", "/models/qwen2.5-coder-7b-instruct-q4_k_m.gguf", "-c", "1024", "-b", "128", "-ngl", "20"];
  // Tensor-by-tensor recomputation in vram-and-policy.md A2 (not from this code): 2672.66 old, 2956.82 new.
  it("old rule: blocks 8..27 = 2672.66 MiB", () => {
    const e = estimateFromArgs(argv, catalogModels, { llamaBuild: OUTPUT_LAYER_FIRST_BUILD - 1 });
    expect(e.weightsMiB).toBeCloseTo(2672.66, 1);
  });
  it("new rule: output layer + blocks 9..27 = 2956.82 MiB, KV for 19 layers", () => {
    const e = estimateFromArgs(argv, catalogModels, { llamaBuild: OUTPUT_LAYER_FIRST_BUILD });
    expect(e.weightsMiB).toBeCloseTo(2956.82, 1);
    expect(e.kvMiB).toBeCloseTo((2 * 19 * 1024 * 4 * 128 * 2) / 2 ** 20, 2);
  });
});

describe("ngl 0", () => {
  it("counts only the per-process overhead (documented choice)", () => {
    const e = estimateFromArgs(["-m", "Qwen2.5-7B-Instruct-Q4_K_M.gguf", "-c", "4096", "-ngl", "0"], catalogModels, { overheadMiB: 250 });
    expect(e).toMatchObject({ onGpu: false, weightsMiB: 0, kvMiB: 0, computeMiB: 0, overheadMiB: 250, totalMiB: 250, layersOnGpu: 0 });
  });
});
