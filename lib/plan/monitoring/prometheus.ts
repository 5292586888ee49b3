/**
 * Prometheus: scrape jobs derived from the services' `metrics`, alert rules
 * derived from the stack, both shipped as files. No admin API and no lifecycle
 * endpoint (the reference exposed both, unauthenticated, on 0.0.0.0).
 */
import { buildAlertGroups } from "../../monitoring/alerts";
import { renderAlertRules } from "../../monitoring/alert-rules";
import { renderPrometheusConfig } from "../../monitoring/prometheus";
import { containerNameOf, defineService, publishedHost, type PlanContext } from "../define-service";
import { wgetProbe } from "../health";
import type { MetricsSpec, ServiceSpec } from "../service-spec";
import { alertInputs } from "./alerting";
import { ALERTMANAGER, PROMETHEUS, VOLUMES } from "./service-addresses";
import { observe, type ObservedService } from "./observed";

export const PROMETHEUS_CONFIG_DIR = "/etc/prometheus";
export const PROMETHEUS_RULES_FILE = "rules/alert-rules.yml";
export const PROMETHEUS_METRICS: MetricsSpec = { port: PROMETHEUS.port, path: "/metrics" };

/** What Prometheus itself looks like to the scrape-job derivation. */
export function prometheusSelf(ctx: PlanContext): ObservedService {
  return {
    service: PROMETHEUS.service,
    containerName: containerNameOf(ctx.config, PROMETHEUS.service),
    group: "monitoring",
    metrics: PROMETHEUS_METRICS,
  };
}

export function planPrometheus(ctx: PlanContext, scraped: ObservedService[]): ServiceSpec {
  const { config } = ctx;
  const prometheus = config.monitoring.prometheus;
  const observed = observe(scraped);
  const configText = renderPrometheusConfig({
    scrapeIntervalSec: config.monitoring.scrapeIntervalSec,
    evaluationIntervalSec: config.monitoring.scrapeIntervalSec,
    externalLabels: { stack: ctx.stack },
    ruleFiles: [PROMETHEUS_RULES_FILE],
    alertmanagers: [`${ALERTMANAGER.service}:${ALERTMANAGER.port}`],
    jobs: observed.jobs,
  });
  return defineService(ctx, {
    service: PROMETHEUS.service,
    group: "monitoring",
    // The official image's USER nobody.
    imageUser: "65534:65534",
    image: { kind: "registry", ref: prometheus.image },
    command: [
      `--config.file=${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
      "--storage.tsdb.path=/prometheus",
      `--storage.tsdb.retention.time=${prometheus.retentionDays}d`,
      `--storage.tsdb.retention.size=${prometheus.retentionSizeGiB}GB`,
      `--web.listen-address=0.0.0.0:${PROMETHEUS.port}`,
      `--web.external-url=http://${publishedHost(config)}:${prometheus.hostPort}/`,
    ],
    ports: [{ internal: PROMETHEUS.port, external: prometheus.hostPort, configKey: "monitoring.prometheus.hostPort" }],
    volumes: [{ volume: VOLUMES.prometheus, containerPath: "/prometheus", readOnly: false }],
    files: [
      { path: `${PROMETHEUS_CONFIG_DIR}/prometheus.yml`, content: configText },
      {
        path: `${PROMETHEUS_CONFIG_DIR}/${PROMETHEUS_RULES_FILE}`,
        content: renderAlertRules(buildAlertGroups(alertInputs(ctx, observed))),
      },
      // Tokens (Qdrant's API key) reach Prometheus as files whose content is the secret itself.
      ...observed.tokenFiles.map((t) => ({ path: `${PROMETHEUS_CONFIG_DIR}/${t.relativePath}`, content: "", secret: t.secret })),
    ],
    // /-/ready turns 200 once the TSDB and WAL are loaded; a large WAL replay takes minutes.
    healthcheck: wgetProbe(`http://127.0.0.1:${PROMETHEUS.port}/-/ready`, { startPeriodSec: 300 }),
    metrics: PROMETHEUS_METRICS,
    dependsOn: [ALERTMANAGER.service],
    limits: { memoryMiB: prometheus.memoryMiB, cpus: prometheus.cpus },
    capabilities: { drop: ["ALL"], add: [] },
  });
}
