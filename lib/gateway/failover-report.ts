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

/** When a fault scenario's events happened (epoch ms). */
export interface FaultTimeline {
  /** The fault was injected (just before). */
  faultAt: number;
  /**
   * The gateway first showed it had noticed: its health checks reported the
   * server unhealthy. Undefined when that never happened (checks off, or a
   * fault they do not see, such as a slow server).
   */
  detectedAt?: number;
  /** The fault was undone (just before). */
  clearedAt: number;
  /** The first request sent after `clearedAt` that the server answered again. */
  backAt?: number;
}

export interface FaultFigures {
  requests: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  /** Median latency of the requests that completed before the fault. */
  baselineMs: number;
  /** Seconds from the fault to its detection. */
  detectS?: number;
  /**
   * Longest extra wait (latency minus baseline) of a request that started
   * while the fault lasted and after it was detected (after the fault itself
   * when it never was). This is the figure the wedge bound is about.
   */
  maxExtraMs: number;
  /** Longest extra wait of a request open at the fault or started before its detection. */
  windowMaxExtraMs: number;
  /** Seconds from undoing the fault to traffic back on the server. */
  recoveredS?: number;
}

export function faultFigures(requests: TimedRequest[], t: FaultTimeline): FaultFigures {
  const before = requests.filter((r) => r.ok && r.startedAt + r.ms < t.faultAt).map((r) => r.ms);
  if (before.length === 0) throw new Error("no request completed before the fault, so there is no baseline latency");
  const baselineMs = percentile(before, 50);
  const extra = (rs: TimedRequest[]) => Math.max(0, ...rs.map((r) => r.ms - baselineMs));
  const from = t.detectedAt ?? t.faultAt;
  const all = requests.map((r) => r.ms);
  return {
    requests: requests.length,
    failed: requests.filter((r) => !r.ok).length,
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    baselineMs,
    detectS: t.detectedAt === undefined ? undefined : (t.detectedAt - t.faultAt) / 1000,
    maxExtraMs: extra(requests.filter((r) => r.startedAt >= from && r.startedAt < t.clearedAt)),
    windowMaxExtraMs: extra(requests.filter((r) => r.startedAt + r.ms >= t.faultAt && r.startedAt < from)),
    recoveredS: t.backAt === undefined ? undefined : (t.backAt - t.clearedAt) / 1000,
  };
}

/** The fault benchmark's final line; `none` for what did not happen. */
export function faultLine(gateway: string, fault: string, f: FaultFigures): string {
  const ms = (x: number) => x.toFixed(1);
  const s = (x: number | undefined) => (x === undefined ? "none" : x.toFixed(2));
  return (
    `fault=${fault} gateway=${gateway} requests=${f.requests} failed=${f.failed} p50_ms=${ms(f.p50Ms)} p99_ms=${ms(f.p99Ms)} ` +
    `detect_s=${s(f.detectS)} max_extra_ms=${ms(f.maxExtraMs)} window_max_extra_ms=${ms(f.windowMaxExtraMs)} recovered_s=${s(f.recoveredS)}`
  );
}
