import { describe, expect, it } from "vitest";
import { waitTimeoutSec } from "../../lib/plan/health";
import { cpuQuantity, memoryQuantity, parseQuantity, storageQuantity } from "../../lib/kubernetes/quantities";
import { execCommand, probesFor, startupBudgetSec } from "../../lib/kubernetes/probes";
import type { HealthcheckSpec } from "../../lib/plan/service-spec";

describe("quantities in the API server's canonical form", () => {
  it.each([
    [4, "4"],
    [0.5, "500m"],
    [1.5, "1500m"],
    [0.125, "125m"],
    [0.0001, "1m"],
  ])("cpu %s -> %s", (cpus, text) => {
    expect(cpuQuantity(cpus)).toBe(text);
    expect(parseQuantity(text, "cpu")).toBeCloseTo(Math.max(cpus, 0.001), 3);
  });

  it.each([
    [6144, "6Gi"],
    [1536, "1536Mi"],
    [512, "512Mi"],
  ])("memory %s MiB -> %s", (mib, text) => {
    expect(memoryQuantity(mib)).toBe(text);
    expect(parseQuantity(text, "MiB")).toBe(mib);
  });

  it("rejects what has no quantity", () => {
    expect(() => cpuQuantity(0)).toThrow(/positive/);
    expect(() => memoryQuantity(1.5)).toThrow(/whole/);
    expect(() => storageQuantity(0)).toThrow(/positive/);
    expect(storageQuantity(10)).toBe("10Gi");
    expect(parseQuantity("lots", "MiB")).toBeUndefined();
    expect(parseQuantity("1G", "MiB")).toBeCloseTo(953.67, 1);
  });
});

describe("one healthcheck, three probes", () => {
  const model: HealthcheckSpec = { test: ["CMD", "curl", "-fsS", "http://127.0.0.1:8001/health"], intervalSec: 20, timeoutSec: 5, retries: 5, startPeriodSec: 600, startIntervalSec: 2 };

  it("runs the healthcheck's own command in the container", () => {
    const probes = probesFor(model)!;
    for (const p of [probes.startupProbe, probes.readinessProbe, probes.livenessProbe]) expect(p.exec.command).toEqual(["curl", "-fsS", "http://127.0.0.1:8001/health"]);
    expect(execCommand(["CMD-SHELL", "test -f /ready"])).toEqual(["/bin/sh", "-c", "test -f /ready"]);
    expect(execCommand(["NONE"])).toBeUndefined();
    expect(probesFor({ ...model, test: ["NONE"] })).toBeUndefined();
  });

  it("startupProbe: polls fast, never faster than its timeout, and lasts as long as Docker waits before calling it unhealthy", () => {
    const { startupProbe } = probesFor(model)!;
    // start_interval 2s, but a 5s timeout: every 6s.
    expect(startupProbe.periodSeconds).toBe(6);
    expect(startupProbe.timeoutSeconds).toBe(5);
    expect(startupBudgetSec(startupProbe)).toBeGreaterThanOrEqual(waitTimeoutSec(model));
    expect(startupBudgetSec(startupProbe)).toBeLessThan(waitTimeoutSec(model) + startupProbe.periodSeconds);
    // Without a start interval (a plan for an old Docker engine) it polls at the interval.
    const old = probesFor({ ...model, startIntervalSec: undefined })!.startupProbe;
    expect(old.periodSeconds).toBe(20);
    expect(startupBudgetSec(old)).toBeGreaterThanOrEqual(waitTimeoutSec(model));
  });

  it("readiness and liveness: Docker's interval and retries (unhealthy there = out of the Service and restarted here)", () => {
    const { readinessProbe, livenessProbe } = probesFor(model)!;
    expect(readinessProbe).toMatchObject({ periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 5, successThreshold: 1 });
    expect(livenessProbe).toEqual(readinessProbe);
  });
});
