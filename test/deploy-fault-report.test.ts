import { describe, expect, it } from "vitest";
import { deployFaultFigures, deployFaultLine, type DeployFaultFigures, type TimedRequest } from "../lib/gateway/failover-report";

interface Served extends TimedRequest {
  by?: string;
}
const req = (startedAt: number, ms: number, ok = true, by?: string): Served => ({ startedAt, ms, ok, by });
const intact = { restarted: false, dataIntact: true };

describe("deployFaultFigures", () => {
  // Fault at 1000, detected at 1500, over at 3000; the bench's last action at 3000.
  const timeline = { faultAt: 1000, detectedAt: 1500, windowEnd: 3000, lastActionAt: 3000 };
  const requests = [
    req(0, 10, true, "chat"), // done at 10: baseline
    req(100, 20, true, "chat"), // done at 120: baseline
    req(200, 30, true, "chat"), // done at 230: baseline -> median 20
    req(980, 60, true, "chat"), // open at the fault (ends 1040): 40 extra
    req(1200, 1820, true, "chat"), // before the detection, held: 1800 extra
    req(1600, 520, true, "code"), // after the detection: 500 extra
    req(2500, 0, false), // failed at once: no extra wait
    req(3100, 25, true, "code"), // after the last action, answered by the other server: not back
    req(3200, 400, true, "chat"), // back, ends at 3600
    req(3300, 50, true, "chat"), // back, ends at 3350: the first to end
    req(3400, 5000, true, "chat"), // after the window: not part of max_extra_ms
  ];

  it("takes the baseline from what completed before the fault, and counts every request made", () => {
    const f = deployFaultFigures(requests, timeline, intact);
    expect(f.baselineMs).toBe(20);
    expect(f.requests).toBe(11);
    expect(f.failed).toBe(1);
    expect(f.p99Ms).toBe(5000);
  });

  it("max_extra_ms looks at every request open in the window; the after-detection figure only at those started after it", () => {
    const f = deployFaultFigures(requests, timeline, intact);
    expect(f.maxExtraMs).toBe(1800);
    expect(f.afterDetectionMaxExtraMs).toBe(500);
  });

  it("detect_s and restart_s count from the fault", () => {
    const f = deployFaultFigures(requests, { ...timeline, restartedAt: 2750 }, intact);
    expect(f.detectS).toBeCloseTo(0.5, 10);
    expect(f.restartS).toBeCloseTo(1.75, 10);
    expect(deployFaultFigures(requests, timeline, intact).restartS).toBeUndefined();
  });

  it("without a detection there is no after-detection figure", () => {
    const f = deployFaultFigures(requests, { ...timeline, detectedAt: undefined }, intact);
    expect(f.detectS).toBeUndefined();
    expect(f.afterDetectionMaxExtraMs).toBeUndefined();
    expect(f.maxExtraMs).toBe(1800);
  });

  it("recovered_s runs from the last action to the end of the first request started after it that counts as back", () => {
    const f = deployFaultFigures(requests, timeline, intact, (r) => r.ok && r.by === "chat");
    expect(f.recoveredS).toBeCloseTo(0.35, 10);
    // Default: any answered request counts; the first to end is the one to the other server (3125).
    expect(deployFaultFigures(requests, timeline, intact).recoveredS).toBeCloseTo(0.125, 10);
    // A request started before the last action never counts, even if it ends after it.
    expect(
      deployFaultFigures([req(0, 10), req(2900, 500, true, "chat")], timeline, intact, (r) => r.by === "chat").recoveredS,
    ).toBeUndefined();
  });

  it("passes restarted and data_intact through", () => {
    const f = deployFaultFigures(requests, timeline, { restarted: true, dataIntact: false });
    expect(f.restarted).toBe(true);
    expect(f.dataIntact).toBe(false);
  });

  it("refuses a run with no baseline, or no request at all", () => {
    expect(() => deployFaultFigures([req(1200, 10)], timeline, intact)).toThrow(/baseline/);
    expect(() => deployFaultFigures([req(0, 10, false)], timeline, intact)).toThrow(/baseline/);
    expect(() => deployFaultFigures([], timeline, intact)).toThrow(/no request/);
  });
});

describe("deployFaultLine", () => {
  const figures: DeployFaultFigures = {
    requests: 51,
    failed: 0,
    p99Ms: 1055.4,
    baselineMs: 34,
    maxExtraMs: 1020.6,
    detectS: 2.344,
    afterDetectionMaxExtraMs: 480.4,
    restartS: 1.5,
    recoveredS: 0.304,
    restarted: true,
    dataIntact: true,
  };

  it("prints the fields in order, milliseconds rounded, seconds with two decimals", () => {
    expect(deployFaultLine("kill", figures)).toBe(
      "fault=kill requests=51 failed=0 p99_ms=1055 max_extra_ms=1021 detect_s=2.34 after_detect_max_extra_ms=480 restart_s=1.50 recovered_s=0.30 restarted=yes data_intact=yes",
    );
  });

  it("says none for a detection, restart or recovery that never came, and no for false flags", () => {
    const line = deployFaultLine("qdrant-long", {
      ...figures,
      detectS: undefined,
      afterDetectionMaxExtraMs: undefined,
      restartS: undefined,
      recoveredS: undefined,
      restarted: false,
      dataIntact: false,
    });
    expect(line).toBe(
      "fault=qdrant-long requests=51 failed=0 p99_ms=1055 max_extra_ms=1021 detect_s=none after_detect_max_extra_ms=none restart_s=none recovered_s=none restarted=no data_intact=no",
    );
  });

  it("is one line of key=value fields a parser can split", () => {
    const fields = Object.fromEntries(
      deployFaultLine("pause", figures)
        .split(" ")
        .map((kv) => kv.split("=")),
    );
    expect(Object.keys(fields)).toEqual([
      "fault",
      "requests",
      "failed",
      "p99_ms",
      "max_extra_ms",
      "detect_s",
      "after_detect_max_extra_ms",
      "restart_s",
      "recovered_s",
      "restarted",
      "data_intact",
    ]);
  });
});
