/**
 * prometheus.yml as typed data, rendered with the `yaml` library. File paths in
 * it are relative: Prometheus (and promtool) resolve them against the config
 * file's directory, so the same text works in the container and in a test dir.
 */
import { stringify } from "yaml";

export interface ScrapeJob {
  /** Job name; the service name, so `up{job="rag"}` names the service. */
  job: string;
  /** host:port on the stack network. */
  target: string;
  metricsPath: string;
  /** File (relative to the config) holding a bearer token for this target. */
  bearerTokenFile?: string;
}

export interface PrometheusSettings {
  scrapeIntervalSec: number;
  evaluationIntervalSec: number;
  /** Labels every series and alert carries (e.g. the stack name). */
  externalLabels: Record<string, string>;
  /** Rule files, relative to the config. */
  ruleFiles: string[];
  /** Alertmanager host:port targets. */
  alertmanagers: string[];
  jobs: ScrapeJob[];
}

interface ScrapeConfig {
  job_name: string;
  metrics_path: string;
  static_configs: { targets: string[]; labels: { service: string } }[];
  authorization?: { type: "Bearer"; credentials_file: string };
}

export interface PrometheusConfig {
  global: { scrape_interval: string; scrape_timeout: string; evaluation_interval: string; external_labels: Record<string, string> };
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: ScrapeConfig[];
}

export function buildPrometheusConfig(settings: PrometheusSettings): PrometheusConfig {
  const names = new Set<string>();
  for (const job of settings.jobs) {
    if (names.has(job.job)) throw new Error(`duplicate scrape job "${job.job}"`);
    names.add(job.job);
  }
  return {
    global: {
      scrape_interval: `${settings.scrapeIntervalSec}s`,
      // A scrape must finish before the next one starts.
      scrape_timeout: `${Math.min(10, settings.scrapeIntervalSec)}s`,
      evaluation_interval: `${settings.evaluationIntervalSec}s`,
      external_labels: settings.externalLabels,
    },
    rule_files: settings.ruleFiles,
    alerting: { alertmanagers: [{ static_configs: [{ targets: settings.alertmanagers }] }] },
    scrape_configs: settings.jobs.map((job) => ({
      job_name: job.job,
      metrics_path: job.metricsPath,
      static_configs: [{ targets: [job.target], labels: { service: job.job } }],
      ...(job.bearerTokenFile ? { authorization: { type: "Bearer" as const, credentials_file: job.bearerTokenFile } } : {}),
    })),
  };
}

export function renderPrometheusConfig(settings: PrometheusSettings): string {
  return stringify(buildPrometheusConfig(settings), { lineWidth: 0 });
}
