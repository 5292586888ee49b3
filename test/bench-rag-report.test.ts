import { describe, expect, it } from "vitest";
import { percentile, ragLine, splitServerTiming } from "../bench/rag-report";

describe("RAG bench figures", () => {
  it("takes nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });

  it("splits Server-Timing into the service's total and its upstream time", () => {
    expect(splitServerTiming("qdrant;dur=1.5, embed;dur=2.25, llm;dur=3, total;dur=10")).toEqual({ totalMs: 10, upstreamMs: 6.75 });
    expect(() => splitServerTiming(null)).toThrow(/no Server-Timing/);
    expect(() => splitServerTiming("qdrant;dur=1")).toThrow(/without total/);
  });

  it("prints one parseable line", () => {
    const line = ragLine({ docs: 200, indexSeconds: 4, queryMs: [10, 20, 30], overheadMs: [1, 2, 3] });
    expect(line).toBe("rag: docs=200 docs_per_s=50.0 queries=3 p50_ms=20.00 p99_ms=30.00 overhead_ms=2.00");
    expect(line).toMatch(/^rag: docs=\d+ docs_per_s=[\d.]+ queries=\d+ p50_ms=[\d.]+ p99_ms=[\d.]+ overhead_ms=[\d.]+$/);
  });
});
