/** The plan beside a running server's own figures (health): what matches, what differs, and the GPU tolerance. */
import { describe, expect, it } from "vitest";
import { catalogModels, estimateFromArgs } from "../../lib/vram";
import { compareAllocation } from "../../lib/vram/allocation-check";
import { tensorBytes } from "../../lib/vram/ggml-types";

const argv = (...extra: string[]) => ["-m", "/models/Qwen2.5-3B-Instruct-Q4_K_M.gguf", "-ngl", "99", "-c", "1100", ...extra];
const { facts } = catalogModels("/models/Qwen2.5-3B-Instruct-Q4_K_M.gguf");
const modelBytes = facts.tensors.reduce((s, t) => s + tensorBytes(t.type, t.shape), 0);

describe("compareAllocation", () => {
  it("matches a server whose slots hold the planned cells (3 streams of 512 for -c 1100 -np 3)", () => {
    const e = estimateFromArgs(argv("-np", "3"), catalogModels, { llamaBuild: 9851 });
    const rows = compareAllocation(e, facts, { slots: 3, nCtxPerSlot: 512, modelBytes });
    expect(rows.map((r) => [r.figure, r.planned, r.observed, r.ok])).toEqual([
      ["kv cells", 1536, 1536, true],
      ["model bytes", modelBytes, modelBytes, true],
    ]);
  });

  it("flags a server that holds other cells than planned (the old rule's 1120 against b9851's 1280)", () => {
    const e = estimateFromArgs(argv("-np", "1", "-fa", "off"), catalogModels, { llamaBuild: 6700 });
    expect(compareAllocation(e, facts, { slots: 1, nCtxPerSlot: 1280, modelBytes })[0]).toMatchObject({
      planned: 1120,
      observed: 1280,
      ok: false,
    });
  });

  it("counts a unified cache once, and judges GPU memory within 10 % of the planned total", () => {
    const e = estimateFromArgs(argv("-np", "3", "-kvu"), catalogModels, { llamaBuild: 9851 });
    const within = compareAllocation(e, facts, { slots: 3, nCtxPerSlot: 1280, modelBytes, processMiB: e.totalMiB * 1.09 });
    expect(within.map((r) => r.ok)).toEqual([true, true, true]);
    const over = compareAllocation(e, facts, { slots: 3, nCtxPerSlot: 1280, modelBytes, processMiB: e.totalMiB * 1.2 });
    expect(over[2]).toMatchObject({ figure: "gpu MiB", ok: false });
  });
});
