/**
 * Counters, gauges and histograms rendered in the Prometheus text format (0.0.4), so
 * /metrics needs no client library.
 */

export type Labels = Record<string, string>;

interface Metric {
  render(): string;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const pairs = names.map((name, i) => `${name}="${escapeLabel(values[i] ?? "")}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return pairs.length ? `{${pairs.join(",")}}` : "";
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${name} ${type}\n`;
}

/** Label values in declared order; a missing label is an empty string. */
function valuesOf(names: readonly string[], labels: Labels): string[] {
  return names.map((name) => labels[name] ?? "");
}

/** A named metric with its help text and label names (every kind here has them). */
abstract class NamedMetric implements Metric {
  readonly name: string;
  protected readonly help: string;
  protected readonly labelNames: readonly string[];

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  abstract render(): string;
}

export class Counter extends NamedMetric {
  private readonly series = new Map<string, { values: string[]; value: number }>();

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames);
  }

  inc(labels: Labels = {}, by = 1): void {
    const values = valuesOf(this.labelNames, labels);
    const key = JSON.stringify(values);
    const entry = this.series.get(key) ?? { values, value: 0 };
    entry.value += by;
    this.series.set(key, entry);
  }

  /** The current value of one series (0 when it was never incremented). */
  get(labels: Labels = {}): number {
    return this.series.get(JSON.stringify(valuesOf(this.labelNames, labels)))?.value ?? 0;
  }

  render(): string {
    let out = header(this.name, this.help, "counter");
    for (const { values, value } of this.series.values()) out += `${this.name}${labelText(this.labelNames, values)} ${value}\n`;
    return out;
  }
}

export class Histogram extends NamedMetric {
  private readonly series = new Map<string, { values: string[]; counts: number[]; sum: number; count: number }>();
  private readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    const values = valuesOf(this.labelNames, labels);
    const key = JSON.stringify(values);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { values, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry.counts[i]!++;
    });
    entry.sum += value;
    entry.count++;
  }

  render(): string {
    let out = header(this.name, this.help, "histogram");
    for (const { values, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((bound, i) => {
        out += `${this.name}_bucket${labelText(this.labelNames, values, ["le", String(bound)])} ${counts[i]}\n`;
      });
      out += `${this.name}_bucket${labelText(this.labelNames, values, ["le", "+Inf"])} ${count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, values)} ${sum}\n`;
      out += `${this.name}_count${labelText(this.labelNames, values)} ${count}\n`;
    }
    return out;
  }
}

/** A gauge whose whole set of series is replaced at once (a snapshot: a series absent from it is gone). */
export class Gauge extends NamedMetric {
  private series: { values: string[]; value: number }[] = [];

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames);
  }

  replaceAll(samples: { labels: Labels; value: number }[]): void {
    this.series = samples.map(({ labels, value }) => ({ values: valuesOf(this.labelNames, labels), value }));
  }

  render(): string {
    let out = header(this.name, this.help, "gauge");
    for (const { values, value } of this.series) out += `${this.name}${labelText(this.labelNames, values)} ${value}\n`;
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const metric = new Counter(name, help, labelNames);
    this.metrics.push(metric);
    return metric;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    const metric = new Gauge(name, help, labelNames);
    this.metrics.push(metric);
    return metric;
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    const metric = new Histogram(name, help, labelNames, buckets);
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    return this.metrics.map((m) => m.render()).join("");
  }
}

/** Latency buckets in seconds: sub-millisecond Qdrant calls up to minute-long LLM answers. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Per-request metrics under the names prometheus-fastapi-instrumentator used
 * in the reference services, so the stack's dashboards and alert rules
 * (http_requests_total, http_request_duration_seconds) keep working.
 */
export interface HttpMetrics {
  requests: Counter;
  duration: Histogram;
}

export function httpMetrics(registry: Registry): HttpMetrics {
  return {
    requests: registry.counter("http_requests_total", "HTTP requests answered, by route, method and status code.", [
      "handler",
      "method",
      "status",
    ]),
    duration: registry.histogram(
      "http_request_duration_seconds",
      "Time from request arrival to the end of the answer, by route, method and status code.",
      ["handler", "method", "status"],
      LATENCY_BUCKETS,
    ),
  };
}
