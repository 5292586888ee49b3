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

/** Where container state comes from: cAdvisor (by its service label) or the healer's metrics (by its job). */
export type ContainerStateSource = { source: "cadvisor"; serviceLabel: string } | { source: "healer"; job: string };

/** Container starts within 15 minutes, per service. */
export function containerStarts15m(state: ContainerStateSource): string {
  return state.source === "cadvisor"
    ? `changes(container_start_time_seconds{${state.serviceLabel}!=""}[15m])`
    : `sum by (service) (increase(healer_container_starts_total{job=${promString(state.job)}}[15m]))`;
}

/**
 * Non-empty while no container of the service runs. From the healer: also when the service has no
 * container at all, but not while the healer itself is down (ServiceDown says so; every service would look missing).
 */
export function containerMissing(state: ContainerStateSource, service: string, container: string): string {
  if (state.source === "cadvisor") return `absent(container_start_time_seconds{name=${promString(container)}})`;
  const job = promString(state.job);
  return `absent(healer_service_running{job=${job}, service=${promString(service)}} == 1) unless on() (up{job=${job}} == 0)`;
}
