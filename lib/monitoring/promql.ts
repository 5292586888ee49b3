/** Small PromQL helpers shared by the alert rules and the dashboards. */

/** A double-quoted PromQL string literal (Go string escaping). */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** A regex matcher value matching exactly one of `values` (RE2 metacharacters escaped). */
export function anyOf(values: string[]): string {
  if (!values.length) throw new Error("anyOf needs at least one value");
  return promString(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"));
}

/*
 * Expressions the alert rules and the dashboards both evaluate, written once so
 * a dashboard shows exactly what its alert fires on. `selector` is the label
 * matchers inside the braces, e.g. `job=~"rag|embedding"`.
 */

/** node-exporter filesystems that are not disks (tmpfs, overlay, ...), as a matcher. */
export const DISK_FSTYPES = `fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs"`;

/** llama.cpp generation speed in tokens per second of generation time, over 5 minutes. */
export function llamaTokensPerSec(selector: string): string {
  return `rate(llamacpp:tokens_predicted_total{${selector}}[5m]) / rate(llamacpp:tokens_predicted_seconds_total{${selector}}[5m])`;
}

/** Share of 5xx responses per job over 5 minutes (the instrumentator's grouped "5xx" matches `5..` too). */
export function http5xxRatio(selector: string): string {
  return `sum by (job) (rate(http_requests_total{${selector}, status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total{${selector}}[5m]))`;
}

/** p95 request latency per job over 5 minutes, in seconds. */
export function httpP95Latency(selector: string): string {
  return `histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{${selector}}[5m])))`;
}

/** Container starts within 15 minutes (cAdvisor), for containers carrying `serviceLabel`. */
export function containerRestarts15m(serviceLabel: string): string {
  return `changes(container_start_time_seconds{${serviceLabel}!=""}[15m])`;
}
