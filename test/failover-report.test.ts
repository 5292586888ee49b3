import { describe, expect, it } from "vitest";
import { failoverFigures, failoverLine, faultFigures, faultLine, percentile, type TimedRequest } from "../lib/gateway/failover-report";

const req = (startedAt: number, ms: number, ok = true): TimedRequest => ({ startedAt, ms, ok });

describe("percentile", () => {
  it("takes the nearest rank", () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 50)).toBe(3);
    expect(percentile(values, 99)).toBe(5);
    expect(percentile(values, 1)).toBe(1);
  });

  it("refuses an empty list", () => {
    expect(() => percentile([], 50)).toThrow(/no values/);
  });
});

describe("failoverFigures", () => {
  // Kill at t=100, restore at t=200. Baseline = median of requests done before 100.
  const requests = [
    req(0, 10), // done at 10, baseline
    req(20, 12), // done at 32, baseline
    req(40, 14), // done at 54, baseline -> median 12
    req(95, 40), // open at the kill: waited 40 - 12 = 28 extra
    req(120, 30), // during the outage: 18 extra
    req(150, 0, false), // failed
    req(210, 100), // after the restore: not the failover's doing
  ];

  it("measures the extra wait only for requests the outage touched", () => {
    const f = failoverFigures(requests, 100, 200);
    expect(f.baselineMs).toBe(12);
    expect(f.maxGapMs).toBe(28);
    expect(f.requests).toBe(7);
    expect(f.failed).toBe(1);
    expect(f.p50Ms).toBe(14);
    expect(f.p99Ms).toBe(100);
  });

  it("counts everything after the kill when the primary never comes back", () => {
    expect(failoverFigures(requests, 100).maxGapMs).toBe(88);
  });

  it("needs a baseline from before the kill", () => {
    expect(() => failoverFigures([req(100, 5)], 50)).toThrow(/baseline/);
  });
});

describe("failoverLine", () => {
  it("prints the figures in the benchmark's fixed format", () => {
    const line = failoverLine("litellm-1.2.3", { requests: 200, failed: 0, p50Ms: 80.04, p99Ms: 190.26, baselineMs: 70, maxGapMs: 120.56 });
    expect(line).toMatch(/^failover: gateway=litellm-1\.2\.3 requests=200 failed=0 p50_ms=80\.0 p99_ms=190\.3 max_gap_ms=120\.6$/);
  });
});

describe("faultFigures", () => {
  // Fault at t=100, detected at t=150, cleared at t=300, traffic back at t=320. Baseline 12.
  const requests = [
    req(0, 10),
    req(20, 12),
    req(40, 14),
    req(90, 5000), // open at the fault, waited until it cleared: the detection window
    req(120, 3000), // started before the detection: window
    req(160, 40), // after the detection: 28 extra
    req(200, 20), // after the detection: 8 extra
    req(310, 900), // after the clear: not counted in either
  ];

  it("keeps the requests after the detection apart from the window before it", () => {
    const f = faultFigures(requests, { faultAt: 100, detectedAt: 150, clearedAt: 300, backAt: 320 });
    expect(f.baselineMs).toBe(12);
    expect(f.detectS).toBeCloseTo(0.05);
    expect(f.maxExtraMs).toBe(28);
    expect(f.windowMaxExtraMs).toBe(4988);
    expect(f.recoveredS).toBeCloseTo(0.02);
    expect(f.failed).toBe(0);
  });

  it("measures from the fault itself when it was never detected", () => {
    const f = faultFigures(requests, { faultAt: 100, clearedAt: 300 });
    expect(f.detectS).toBeUndefined();
    expect(f.maxExtraMs).toBe(2988);
    expect(f.windowMaxExtraMs).toBe(4988);
    expect(f.recoveredS).toBeUndefined();
  });

  it("needs a baseline from before the fault", () => {
    expect(() => faultFigures([req(100, 5)], { faultAt: 50, clearedAt: 200 })).toThrow(/baseline/);
  });

  it("prints one line, with none for what did not happen", () => {
    const line = faultLine("litellm-1.2.3", "wedge", faultFigures(requests, { faultAt: 100, clearedAt: 300 }));
    expect(line).toMatch(
      /^fault=wedge gateway=litellm-1\.2\.3 requests=8 failed=0 p50_ms=\d+\.\d p99_ms=5000\.0 detect_s=none max_extra_ms=2988\.0 window_max_extra_ms=4988\.0 recovered_s=none$/,
    );
  });
});
