/**
 * Time spent waiting on each upstream during one request, reported in a
 * `Server-Timing` header so a client (the benchmark) can tell the service's
 * own time from its dependencies' time.
 */

export class Timings {
  private readonly started = performance.now();
  private readonly spent = new Map<string, number>();

  /** Runs `work`, adding its duration to `name` (also when it fails). */
  async measure<T>(name: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.spent.set(name, (this.spent.get(name) ?? 0) + performance.now() - start);
    }
  }

  /** Milliseconds spent in upstream calls, all names together. */
  upstreamMs(): number {
    let total = 0;
    for (const ms of this.spent.values()) total += ms;
    return total;
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** e.g. `embed;dur=1.2, qdrant;dur=0.8, llm;dur=20.1, total;dur=23.0` */
  header(): string {
    const parts = [...this.spent].map(([name, ms]) => `${name};dur=${ms.toFixed(2)}`);
    parts.push(`total;dur=${this.elapsedMs().toFixed(2)}`);
    return parts.join(", ");
  }
}
