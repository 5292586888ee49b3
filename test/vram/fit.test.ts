/**
 * Auto-fit properties, checked against independent estimateFromArgs calls (catalog facts): the
 * chosen counts fit, one layer more for the preferred server would not, and
 * fixed servers keep their layers.
 */
import { describe, expect, it } from "vitest";
import { catalogModels, estimateFromArgs, fitGpuLayers, withGpuLayers } from "../../lib/vram";

const chat = ["-m", "/models/Qwen2.5-3B-Instruct-Q4_K_M.gguf", "-c", "1024", "-b", "128", "-np", "1"];
const code = ["-m", "/models/qwen2.5-coder-7b-instruct-q4_k_m.gguf", "-c", "1024", "-b", "128", "-np", "1", "-ngl", "5"];
const total = (pairs: [string[], number][]) => {
  let sum = 0;
  for (const [argv, n] of pairs) sum += estimateFromArgs(withGpuLayers(argv, n), catalogModels).totalMiB;
  return sum;
};

describe("fitGpuLayers", () => {
  it("maximises the preferred auto server first, then fills the next one", () => {
    const budget = 5741; // 6141 MiB RTX 4050 minus the 400 MiB default reserve
    const fit = fitGpuLayers(
      [
        { id: "code", argv: code, gpuLayers: "auto", priority: 1 },
        { id: "chat", argv: chat, gpuLayers: "auto", priority: 0 },
      ],
      budget,
      catalogModels,
    );
    expect(fit.layers.chat).toBe(37); // the 3B fits whole
    expect(fit.fits).toBe(true);
    expect(fit.totalMiB).toBeLessThanOrEqual(budget);
    expect(total([[chat, fit.layers.chat!], [code, fit.layers.code!]])).toBeCloseTo(fit.totalMiB, 1);
    expect(total([[chat, fit.layers.chat!], [code, fit.layers.code! + 1]])).toBeGreaterThan(budget);
    expect(fit.estimates.code!.layersOnGpu).toBe(fit.layers.code);
  });

  it("gives the preferred server its maximum given the others at their minimum", () => {
    const budget = 3000;
    const fit = fitGpuLayers(
      [
        { id: "chat", argv: chat, gpuLayers: "auto", priority: 1 },
        { id: "code", argv: code, gpuLayers: "auto", priority: 0 },
      ],
      budget,
      catalogModels,
    );
    const codeLayers = fit.layers.code!;
    expect(codeLayers).toBeGreaterThan(0);
    expect(total([[code, codeLayers], [chat, 0]])).toBeLessThanOrEqual(budget);
    expect(total([[code, codeLayers + 1], [chat, 0]])).toBeGreaterThan(budget);
    expect(fit.totalMiB).toBeLessThanOrEqual(budget);
  });

  it("keeps fixed requests at their layers and overrides any -ngl in argv", () => {
    const fit = fitGpuLayers(
      [
        { id: "chat", argv: [...chat, "-ngl", "3"], gpuLayers: 999, priority: 0 },
        { id: "code", argv: code, gpuLayers: 20, priority: 1 },
      ],
      100_000,
      catalogModels,
    );
    expect(fit.layers).toEqual({ chat: 999, code: 20 });
    expect(fit.estimates.chat!.layersOnGpu).toBe(37);
    expect(fit.estimates.code!.layersOnGpu).toBe(20);
  });

  it("reports fits=false when even 0 auto layers exceed the budget", () => {
    const fit = fitGpuLayers(
      [
        { id: "chat", argv: chat, gpuLayers: 999, priority: 0 },
        { id: "code", argv: code, gpuLayers: "auto", priority: 1 },
      ],
      2000,
      catalogModels,
    );
    expect(fit.layers.code).toBe(0);
    expect(fit.fits).toBe(false);
    expect(fit.totalMiB).toBeGreaterThan(2000);
  });

  it("rejects duplicate ids and requests without a model", () => {
    expect(() => fitGpuLayers([{ id: "a", argv: chat, gpuLayers: 1, priority: 0 }, { id: "a", argv: chat, gpuLayers: 1, priority: 0 }], 1000, catalogModels)).toThrow(/duplicate/);
    expect(() => fitGpuLayers([{ id: "a", argv: ["-c", "1"], gpuLayers: 1, priority: 0 }], 1000, catalogModels)).toThrow(/no --model/);
  });
});
