/**
 * The KV cells of build b9851, the rules the real server showed (issue 20): the
 * context is padded to 256 cells with flash attention off too, and each of the
 * `--parallel` slots gets its own pad256(n_ctx / np) stream unless the cache is
 * unified. Older builds keep their own rule. The figures below are what the
 * real llama-server b9851 reported for the lock's 3B (36 layers, 2 KV heads of
 * 128, f16 cache); test/vram-real checks the whole grid against the server itself.
 */
import { describe, expect, it } from "vitest";
import { catalogModels, estimateFromArgs, kvLayout } from "../../lib/vram";

const chat = (...extra: string[]) => ["-m", "/models/Qwen2.5-3B-Instruct-Q4_K_M.gguf", "-ngl", "99", ...extra];

describe("KV cells, build b9851", () => {
  it("pads to 256 cells with flash attention off (-c 1100 -fa off: 1280 cells, 45.00 MiB)", () => {
    const e = estimateFromArgs(chat("-c", "1100", "-fa", "off", "-np", "1"), catalogModels, { llamaBuild: 9851 });
    expect(e.kvCells).toBe(1280);
    expect(e.kvMiB).toBe(45);
  });

  it("gives each slot its own padded stream (-np 3 -c 1024: 3 x 512 cells, 54.00 MiB)", () => {
    const e = estimateFromArgs(chat("-c", "1024", "-np", "3"), catalogModels, { llamaBuild: 9851 });
    expect(e.kvStreams).toBe(3);
    expect(e.kvCells).toBe(1536);
    expect(e.kvMiB).toBe(54);
  });

  it("keeps one stream with --kv-unified, and with -np auto (4 slots, unified)", () => {
    expect(estimateFromArgs(chat("-c", "1024", "-np", "3", "-kvu"), catalogModels, { llamaBuild: 9851 }).kvCells).toBe(1024);
    const auto = estimateFromArgs(chat("-c", "1024", "-np", "-1"), catalogModels, { llamaBuild: 9851 });
    expect({ cells: auto.kvCells, parallel: auto.parallel, streams: auto.kvStreams }).toEqual({ cells: 1024, parallel: 4, streams: 1 });
    // No -np at all is "auto" in b9851.
    expect(estimateFromArgs(chat("-c", "1024"), catalogModels, { llamaBuild: 9851 }).parallel).toBe(4);
  });

  it("divides as llama.cpp does: floor, then pad again (-c 1000 -np 3: 1024 / 3 = 341 -> 512 per stream)", () => {
    expect(kvLayout(1000, { rule: "pad256-per-stream", flashAttn: true, parallel: 3, unified: false })).toEqual({
      streams: 3,
      cellsPerStream: 512,
      cells: 1536,
    });
  });

  it("keeps the older builds' rule: pad 32 without flash attention, one shared stream", () => {
    const old = estimateFromArgs(chat("-c", "1100", "-fa", "off", "-np", "3"), catalogModels, { llamaBuild: 6700 });
    expect({ cells: old.kvCells, streams: old.kvStreams }).toEqual({ cells: 1120, streams: 1 });
  });
});
