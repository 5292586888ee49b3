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

/**
 * One fault of the deployed-stack benchmark (bench/faults.ts, docs/faults.md):
 * the fault is injected into a container of a stack deployed with `pulumi up`,
 * under a stream of gateway (or RAG) requests.
 */
export interface DeployFaultTimeline {
  /** The fault was injected (just before). */
  faultAt: number;
  /** The gateway's health checks first reported the server unhealthy (gateway faults; undefined if never). */
  detectedAt?: number;
  /** The faulted container was started again by the stack (Docker's restart policy or the healer); undefined if not. */
  restartedAt?: number;
  /** The fault was over (undone by the bench, or healed by the stack): the end of the window `max_extra_ms` looks at. */
  windowEnd: number;
  /**
   * The bench's last action on this fault: the undo (unpause, pacing off, Qdrant
   * started) or, for a fault the stack must heal itself (a crash, a wedge), the
   * injection. `recovered_s` counts from here.
   */
  lastActionAt: number;
}

export interface DeployFaultFigures {
  requests: number;
  failed: number;
  p99Ms: number;
  /** Median latency of the requests that completed before the fault. */
  baselineMs: number;
  /** Longest extra wait (latency minus baseline, failed requests included) of a request open at some point between the fault and the window's end. */
  maxExtraMs: number;
  /** Seconds from the fault to the gateway's detection; undefined when never detected. */
  detectS?: number;
  /** The same over the requests started from the detection to the window's end (the gateway's bound is about these); undefined when never detected. */
  afterDetectionMaxExtraMs?: number;
  /** Seconds from the fault until the stack started the faulted container again; undefined when it did not. */
  restartS?: number;
  /**
   * Seconds from the bench's last action to the end of the first request that
   * was started after it and that the faulted service answered again (as
   * `isBack` judges); undefined when none did.
   */
  recoveredS?: number;
  /** The stack restarted a container on its own during the fault (Docker's restart policy or the healer). */
  restarted: boolean;
  /** Qdrant's point counts and a sample query's sources were the same before and after. */
  dataIntact: boolean;
}

export function deployFaultFigures<R extends TimedRequest>(
  requests: R[],
  t: DeployFaultTimeline,
  outcome: { restarted: boolean; dataIntact: boolean },
  isBack: (r: R) => boolean = (r) => r.ok,
): DeployFaultFigures {
  if (requests.length === 0) throw new Error("no request was made");
  const before = requests.filter((r) => r.ok && r.startedAt + r.ms < t.faultAt).map((r) => r.ms);
  if (before.length === 0) throw new Error("no request completed before the fault, so there is no baseline latency");
  const baselineMs = percentile(before, 50);
  const extra = (rs: R[]) => Math.max(0, ...rs.map((r) => r.ms - baselineMs));
  const backEnds = requests.filter((r) => r.startedAt >= t.lastActionAt && isBack(r)).map((r) => r.startedAt + r.ms);
  return {
    requests: requests.length,
    failed: requests.filter((r) => !r.ok).length,
    p99Ms: percentile(
      requests.map((r) => r.ms),
      99,
    ),
    baselineMs,
    maxExtraMs: extra(requests.filter((r) => r.startedAt < t.windowEnd && r.startedAt + r.ms >= t.faultAt)),
    detectS: t.detectedAt === undefined ? undefined : (t.detectedAt - t.faultAt) / 1000,
    afterDetectionMaxExtraMs:
      t.detectedAt === undefined ? undefined : extra(requests.filter((r) => r.startedAt >= t.detectedAt! && r.startedAt < t.windowEnd)),
    restartS: t.restartedAt === undefined ? undefined : (t.restartedAt - t.faultAt) / 1000,
    recoveredS: backEnds.length === 0 ? undefined : (Math.min(...backEnds) - t.lastActionAt) / 1000,
    ...outcome,
  };
}

/**
 * `fault=<name> requests=N failed=N p99_ms=N max_extra_ms=N detect_s=N after_detect_max_extra_ms=N restart_s=N
 * recovered_s=N restarted=yes|no data_intact=yes|no` (`none` where a figure does not exist: never detected, not restarted, never recovered).
 */
export function deployFaultLine(fault: string, f: DeployFaultFigures): string {
  const yes = (b: boolean) => (b ? "yes" : "no");
  const sec = (x: number | undefined) => (x === undefined ? "none" : x.toFixed(2));
  const ms = (x: number | undefined) => (x === undefined ? "none" : String(Math.round(x)));
  return (
    `fault=${fault} requests=${f.requests} failed=${f.failed} p99_ms=${Math.round(f.p99Ms)} max_extra_ms=${Math.round(f.maxExtraMs)} ` +
    `detect_s=${sec(f.detectS)} after_detect_max_extra_ms=${ms(f.afterDetectionMaxExtraMs)} restart_s=${sec(f.restartS)} ` +
    `recovered_s=${sec(f.recoveredS)} restarted=${yes(f.restarted)} data_intact=${yes(f.dataIntact)}`
  );
}
