import { describe, expect, it } from "vitest";
import { swapLine } from "../lib/report/swap";

describe("bench:swap's line", () => {
  it("prints medians, p90s and the peak of children as key=value figures", () => {
    const line = swapLine({ models: 2, maxLoaded: 1, loadedMs: [40, 10, 30, 20], swappedMs: [400, 100, 300, 200], peakChildren: 1 });
    expect(line).toBe(
      "swap: models=2 max_loaded=1 first_token_ms_loaded=20 first_token_ms_swapped=200 peak_children=1 first_token_ms_loaded_p90=40 first_token_ms_swapped_p90=400 rounds=4",
    );
  });

  it("says none where a run measured nothing", () => {
    expect(swapLine({ models: 2, maxLoaded: 1, loadedMs: [], swappedMs: [], peakChildren: 0 })).toContain("first_token_ms_loaded=none");
  });
});
