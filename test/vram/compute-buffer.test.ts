/** Compute-buffer rules, checked with independent arithmetic on the catalog's Qwen2.5-7B. */
import { describe, expect, it } from "vitest";
import { catalogModels, estimateFromArgs, LIMITED_OUTPUTS_BUILD, REFERENCE_MEASUREMENT_BUILD } from "../../lib/vram";

const MiB = 2 ** 20;
const base = ["-m", "/models/qwen2.5-coder-7b-instruct-q4_k_m.gguf", "-c", "1024", "-b", "128", "-fa", "off"];
// Qwen2.5-7B: n_embd 3584, n_ff 18944, n_vocab 152064; Q4_K = 144 B / 256, Q6_K = 210 B / 256.
const outputProjection = 152064 * (3584 / 256) * 210;
const logitsRows = (rows: number) => (152064 + 3584) * rows * 4;
const q6FfnBlock = 2 * 18944 * (3584 / 256) * 144 + 3584 * (18944 / 256) * 210;

describe("old builds (logits for every ubatch token)", () => {
  it("full offload: the logits moment, (n_vocab + n_embd) x ub x 4 B", () => {
    const e = estimateFromArgs([...base, "-ngl", "99"], catalogModels, { llamaBuild: REFERENCE_MEASUREMENT_BUILD });
    expect(e.computeMiB).toBeCloseTo(logitsRows(128) / MiB, 2);
  });
  it("output layer in host RAM: op offload stages the output projection next to the logits", () => {
    const e = estimateFromArgs([...base, "-ngl", "20"], catalogModels, { llamaBuild: REFERENCE_MEASUREMENT_BUILD });
    expect(e.computeMiB).toBeCloseTo((outputProjection + logitsRows(128)) / MiB, 2);
  });
  it("--no-op-offload leaves only the layer intermediates, well below the logits moment", () => {
    const e = estimateFromArgs([...base, "-ngl", "20", "--no-op-offload"], catalogModels, { llamaBuild: REFERENCE_MEASUREMENT_BUILD });
    expect(e.computeMiB).toBeLessThan(logitsRows(128) / MiB);
    expect(e.computeMiB).toBeGreaterThan((3 * 18944 * 128 * 4) / MiB); // at least one FFN's gate/up/product
  });
});

describe("new builds (PR #23861: logits for one row per sequence)", () => {
  const opts = { llamaBuild: LIMITED_OUTPUTS_BUILD };
  it("op offload adds exactly the largest host-resident block's FFN weights", () => {
    const staged = estimateFromArgs([...base, "-ngl", "20"], catalogModels, opts);
    const plain = estimateFromArgs([...base, "-ngl", "20", "--no-op-offload"], catalogModels, opts);
    expect(staged.computeMiB - plain.computeMiB).toBeCloseTo(q6FfnBlock / MiB, 1);
  });
  it("without staging, partial and full offload share the same layer peak", () => {
    const partial = estimateFromArgs([...base, "-ngl", "20", "--no-op-offload"], catalogModels, opts);
    const full = estimateFromArgs([...base, "-ngl", "29"], catalogModels, opts);
    expect(partial.computeMiB).toBe(full.computeMiB);
  });
  it("is far below the old full-offload figure for the same flags", () => {
    const old = estimateFromArgs([...base, "-ngl", "29"], catalogModels, { llamaBuild: LIMITED_OUTPUTS_BUILD - 1 });
    const now = estimateFromArgs([...base, "-ngl", "29"], catalogModels, opts);
    expect(old.computeMiB).toBeCloseTo(logitsRows(128) / MiB, 2);
    expect(now.computeMiB).toBeLessThan(old.computeMiB / 2);
  });
  it("ubatches under 32 tokens never stage weights (ggml-cuda's op-offload threshold)", () => {
    const a = estimateFromArgs([...base, "-ub", "16", "-ngl", "20"], catalogModels, opts);
    const b = estimateFromArgs([...base, "-ub", "16", "-ngl", "20", "--no-op-offload"], catalogModels, opts);
    expect(a.computeMiB).toBe(b.computeMiB);
  });
});
