/** Figures of the RAG benchmark and its one-line summary, kept apart from the I/O so they can be tested. */

/** Nearest-rank percentile (p in 0..100) of `values`; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** A Server-Timing header (`embed;dur=1.2, qdrant;dur=0.5, llm;dur=3, total;dur=6`) as total and upstream milliseconds. */
export function splitServerTiming(header: string | null): { totalMs: number; upstreamMs: number } {
  if (!header) throw new Error("the answer has no Server-Timing header");
  let totalMs = NaN;
  let upstreamMs = 0;
  for (const part of header.split(",")) {
    const match = /^\s*([\w-]+);dur=([\d.]+)\s*$/.exec(part);
    if (!match) throw new Error(`cannot read Server-Timing part ${JSON.stringify(part)}`);
    if (match[1] === "total") totalMs = Number(match[2]);
    else upstreamMs += Number(match[2]);
  }
  if (Number.isNaN(totalMs)) throw new Error(`Server-Timing without total: ${header}`);
  return { totalMs, upstreamMs };
}

export interface RagFigures {
  docs: number;
  indexSeconds: number;
  /** Client-side latency of each query, ms. */
  queryMs: number[];
  /** The service's own time of each query (its total minus time waiting on upstreams), ms. */
  overheadMs: number[];
}

export function ragLine(f: RagFigures): string {
  const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : "nan");
  return [
    "rag:",
    `docs=${f.docs}`,
    `docs_per_s=${fixed(f.docs / f.indexSeconds, 1)}`,
    `queries=${f.queryMs.length}`,
    `p50_ms=${fixed(percentile(f.queryMs, 50), 2)}`,
    `p99_ms=${fixed(percentile(f.queryMs, 99), 2)}`,
    `overhead_ms=${fixed(percentile(f.overheadMs, 50), 2)}`,
  ].join(" ");
}
