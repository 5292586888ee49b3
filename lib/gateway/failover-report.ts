/**
 * Figures for the gateway failover benchmark: latency percentiles and the
 * longest extra wait the failover caused, and the one-line report.
 */

export interface TimedRequest {
  ok: boolean;
  /** Epoch ms when the request was sent. */
  startedAt: number;
  /** Round-trip time in ms. */
  ms: number;
}

export interface FailoverFigures {
  requests: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  /** Median latency of the requests that completed before the kill (the normal cost of a request). */
  baselineMs: number;
  /** Longest time any request waited beyond the baseline while the primary was down. */
  maxGapMs: number;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * `killedAt`: when the primary went down; `restoredAt`: when it came back (if
 * it did). A request counts toward the gap if it was still open at the kill
 * or started before the restore; its extra wait is its latency minus the baseline.
 */
export function failoverFigures(requests: TimedRequest[], killedAt: number, restoredAt = Number.POSITIVE_INFINITY): FailoverFigures {
  const before = requests.filter((r) => r.ok && r.startedAt + r.ms < killedAt).map((r) => r.ms);
  if (before.length === 0) throw new Error("no request completed before the kill, so there is no baseline latency");
  const baselineMs = percentile(before, 50);
  const affected = requests.filter((r) => r.startedAt + r.ms >= killedAt && r.startedAt < restoredAt);
  const maxGapMs = Math.max(0, ...affected.map((r) => r.ms - baselineMs));
  const all = requests.map((r) => r.ms);
  return {
    requests: requests.length,
    failed: requests.filter((r) => !r.ok).length,
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    baselineMs,
    maxGapMs,
  };
}

/** The benchmark's final line. */
export function failoverLine(gateway: string, f: FailoverFigures): string {
  const ms = (x: number) => x.toFixed(1);
  return `failover: gateway=${gateway} requests=${f.requests} failed=${f.failed} p50_ms=${ms(f.p50Ms)} p99_ms=${ms(f.p99Ms)} max_gap_ms=${ms(f.maxGapMs)}`;
}
