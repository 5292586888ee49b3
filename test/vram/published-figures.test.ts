/**
 * The catalog path against published llama.cpp figures (issue #4 done criteria):
 * weights and KV within 1 %, compute within 10 % for the build era of each log,
 * the reference pair within 8 % of the measured 5374 MiB.
 */
import { describe, expect, it } from "vitest";
import { catalogModels, estimateFromArgs } from "../../lib/vram";
import { findInCatalog } from "../../lib/vram/catalog";
import { tensorBytes } from "../../lib/vram/ggml-types";
import { PUBLISHED_CASES, PUBLISHED_MODEL_SIZES, REFERENCE_PAIR } from "../../lib/vram/published-cases";

const relError = (estimate: number, published: number) => Math.abs(estimate - published) / published;

describe.each(PUBLISHED_CASES)("$id", (c) => {
  it("uses the catalog facts", () => {
    const e = estimateFromArgs(c.argv, catalogModels, { llamaBuild: c.llamaBuild });
    expect(e.source).toBe("catalog");
  });
  it("matches the published weights and KV within 1 % and compute within 10 %", () => {
    const e = estimateFromArgs(c.argv, catalogModels, { llamaBuild: c.llamaBuild });
    if (c.published.weightsMiB !== undefined) expect(relError(e.weightsMiB, c.published.weightsMiB)).toBeLessThan(0.01);
    if (c.published.kvMiB !== undefined) expect(relError(e.kvMiB, c.published.kvMiB)).toBeLessThan(0.01);
    if (c.published.computeMiB !== undefined) expect(relError(e.computeMiB, c.published.computeMiB)).toBeLessThan(0.1);
    if (c.published.layersOnGpu !== undefined) expect(e.layersOnGpu).toBe(c.published.layersOnGpu);
  });
});

describe("reference deployment (3B all layers + 7B coder at ngl 20, Oct 2025 build)", () => {
  it("sums to within 8 % of the 5374 MiB nvidia-smi showed", () => {
    const opts = { llamaBuild: REFERENCE_PAIR.llamaBuild };
    const chat = estimateFromArgs(REFERENCE_PAIR.chat, catalogModels, opts);
    const code = estimateFromArgs(REFERENCE_PAIR.code, catalogModels, opts);
    expect(relError(chat.totalMiB + code.totalMiB, REFERENCE_PAIR.measuredUsedMiB)).toBeLessThan(0.08);
  });

  it("puts 20 of 29 layers of the 7B on the GPU, output layer in host RAM (old placement)", () => {
    const code = estimateFromArgs(REFERENCE_PAIR.code, catalogModels, { llamaBuild: REFERENCE_PAIR.llamaBuild });
    expect([code.layersOnGpu, code.totalLayers, code.outputOnGpu]).toEqual([20, 29, false]);
    // KV for 20 layers: 2 x 20 x 1024 cells x 4 KV heads x 128 x 2 B.
    expect(code.kvMiB).toBeCloseTo((2 * 20 * 1024 * 4 * 128 * 2) / 2 ** 20, 2);
  });
});

describe("whole-file sizes from the catalog recipe", () => {
  it.each(PUBLISHED_MODEL_SIZES)("$file: llama.cpp prints $gib GiB ($bpw BPW)", ({ file, gib, bpw }) => {
    const facts = findInCatalog(file)!.facts;
    const bytes = facts.tensors.reduce((s, t) => s + tensorBytes(t.type, t.shape), 0);
    const params = facts.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    expect(Number((bytes / 2 ** 30).toFixed(2))).toBe(gib);
    expect(Number(((bytes * 8) / params).toFixed(2))).toBe(bpw);
  });
});

describe("KV formula (independent arithmetic, vram-and-policy.md A2)", () => {
  it.each([
    ["Qwen2.5-3B-Instruct-Q4_K_M.gguf", 36, 2],
    ["Qwen2.5-7B-Instruct-Q4_K_M.gguf", 28, 4],
    ["Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", 32, 8],
  ])("%s at ctx 8192, f16: 2 x %i layers x ctx x %i KV heads x 128 x 2 B", (file, layers, kvHeads) => {
    const e = estimateFromArgs(["-m", file, "-c", "8192", "-ngl", "999", "-fa", "off"], catalogModels);
    expect(e.kvMiB).toBeCloseTo((2 * layers * 8192 * kvHeads * 128 * 2) / 2 ** 20, 2);
  });

  it("q8_0 K and V take 34/32 bytes per element (flash attention on)", () => {
    const e = estimateFromArgs(["-m", "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", "-c", "4096", "-ngl", "999", "-fa", "on", "-ctk", "q8_0", "-ctv", "q8_0"], catalogModels);
    expect(e.kvMiB).toBeCloseTo((2 * 32 * 4096 * 8 * 128 * 34) / 32 / 2 ** 20, 2);
  });

  it("a quantised V cache without flash attention stays f16", () => {
    const e = estimateFromArgs(["-m", "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", "-c", "4096", "-ngl", "999", "-fa", "off", "-ctk", "q8_0", "-ctv", "q8_0"], catalogModels);
    expect(e.kvMiB).toBeCloseTo((32 * 4096 * 8 * 128 * (34 / 32 + 2)) / 2 ** 20, 2);
  });

  it("--parallel shares the n_ctx cells instead of multiplying them", () => {
    const one = estimateFromArgs(["-m", "Qwen2.5-3B-Instruct-Q4_K_M.gguf", "-c", "4096", "-np", "1", "-ngl", "999"], catalogModels);
    const four = estimateFromArgs(["-m", "Qwen2.5-3B-Instruct-Q4_K_M.gguf", "-c", "4096", "-np", "4", "-ngl", "999"], catalogModels);
    expect(four.kvMiB).toBe(one.kvMiB);
  });

  it("--no-kv-offload keeps the cache off the GPU", () => {
    const e = estimateFromArgs(["-m", "Qwen2.5-3B-Instruct-Q4_K_M.gguf", "-c", "4096", "-ngl", "999", "-nkvo"], catalogModels);
    expect(e.kvMiB).toBe(0);
  });
});
