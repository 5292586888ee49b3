/** The backoff schedule and the retry loop, with injected dice and clock. */
import { describe, expect, it } from "vitest";
import { backoffCeilingMs, backoffDelayMs, withRetries, type RetryPolicy } from "../src/retry.ts";

const policy: RetryPolicy = { maxAttempts: 5, minWaitMs: 2000, maxWaitMs: 10_000 };

describe("backoff", () => {
  it("has a ceiling that doubles from 2 x min and stops at max", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffCeilingMs(n, policy))).toEqual([4000, 8000, 10_000, 10_000, 10_000]);
  });

  it("draws each wait between min and that ceiling", () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(2000);
    expect(backoffDelayMs(1, policy, () => 0.5)).toBe(3000);
    expect(backoffDelayMs(3, policy, () => 0.999)).toBeCloseTo(9992, 5);
    for (let i = 0; i < 2000; i++) {
      const retry = 1 + (i % 6);
      const wait = backoffDelayMs(retry, policy);
      expect(wait).toBeGreaterThanOrEqual(policy.minWaitMs);
      expect(wait).toBeLessThanOrEqual(backoffCeilingMs(retry, policy));
    }
  });

  it("is jittered: random draws spread over the range instead of repeating", () => {
    const waits = new Set(Array.from({ length: 50 }, () => Math.round(backoffDelayMs(2, policy))));
    expect(waits.size).toBeGreaterThan(40);
  });

  it("waits exactly min when min equals max", () => {
    expect(backoffDelayMs(4, { maxAttempts: 3, minWaitMs: 500, maxWaitMs: 500 }, () => 0.7)).toBe(500);
  });
});

describe("withRetries", () => {
  const transient = new Error("transient");
  const fatal = new Error("fatal");
  const options = (waits: number[]) => ({
    isRetryable: (e: unknown) => e === transient,
    sleep: async (ms: number) => void waits.push(ms),
    random: () => 0.5,
  });

  it("retries retryable failures, sleeping between attempts, until one succeeds", async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw transient;
        return "ok";
      },
      policy,
      options(waits),
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
    expect(waits).toEqual([3000, 5000]);
  });

  it("stops after maxAttempts attempts in total and throws the last error", async () => {
    const waits: number[] = [];
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw transient;
        },
        { ...policy, maxAttempts: 3 },
        options(waits),
      ),
    ).rejects.toBe(transient);
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it("does not retry what isRetryable rejects, and maxAttempts 1 means no retry", async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw fatal;
        },
        policy,
        options([]),
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw transient;
        },
        { ...policy, maxAttempts: 1 },
        options([]),
      ),
    ).rejects.toBe(transient);
    expect(calls).toBe(1);
  });
});
