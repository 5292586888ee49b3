/**
 * Grafana: datasources and dashboards provisioned from generated files, the
 * admin password from a stack secret (generated when unset), never a default.
 */
import { buildDashboards, type DashboardInputs } from "../../monitoring/grafana/dashboards";
import { renderDashboardProvider, renderDatasources } from "../../monitoring/grafana/provisioning";
import { containerNameOf, defineService, serviceUrl, type PlanContext } from "../define-service";
import { curlProbe } from "../health";
import type { MetricsSpec, ServiceSpec } from "../service-spec";
import { containerStateSource } from "./alerting";
import { GRAFANA, LOKI, PROMETHEUS, VOLUMES } from "./service-addresses";
import { gpuTargets, observe, type ObservedService } from "./observed";

export const GRAFANA_PROVISIONING = "/etc/grafana/provisioning";
/** Not under /var/lib/grafana: that is the data volume. */
export const GRAFANA_DASHBOARDS = "/etc/grafana/dashboards";
export const GRAFANA_METRICS: MetricsSpec = { port: GRAFANA.port, path: "/metrics" };
export const ADMIN_PASSWORD_ENV = "GF_SECURITY_ADMIN_PASSWORD";
/** Where Grafana reads it from instead (its `__FILE` form of any setting): no value in `docker inspect`. */
export const ADMIN_PASSWORD_FILE = "/run/secrets/grafana-admin-password";

export function grafanaSelf(ctx: PlanContext): ObservedService {
  return {
    service: GRAFANA.service,
    containerName: containerNameOf(ctx.config, GRAFANA.service),
    group: "monitoring",
    metrics: GRAFANA_METRICS,
  };
}

export function dashboardInputs(ctx: PlanContext, scraped: ObservedService[]): DashboardInputs {
  const { monitoring } = ctx.config;
  const observed = observe(scraped);
  return {
    scrapedJobs: observed.jobs.map((j) => j.job),
    llamaJobs: observed.llamaJobs,
    httpJobs: observed.httpJobs,
    gpus: gpuTargets(ctx.config),
    gpuAlertFraction: monitoring.alerts.gpuMemoryBudgetFraction,
    containerState: containerStateSource(ctx, observed),
    hostMetrics: true,
    logOnlyServices: observed.unscrapedContainers.map((c) => c.service),
  };
}

export function planGrafana(ctx: PlanContext, scraped: ObservedService[]): ServiceSpec {
  const { monitoring } = ctx.config;
  const grafana = monitoring.grafana;
  const provisioning = {
    prometheusUrl: serviceUrl(PROMETHEUS.service, PROMETHEUS.port),
    lokiUrl: serviceUrl(LOKI.service, LOKI.port),
    scrapeIntervalSec: monitoring.scrapeIntervalSec,
    dashboardsDir: GRAFANA_DASHBOARDS,
  };
  const dashboards = buildDashboards(dashboardInputs(ctx, scraped));
  return defineService(ctx, {
    service: GRAFANA.service,
    group: "monitoring",
    // The official image's grafana user (uid 472, group root).
    imageUser: "472:0",
    image: { kind: "registry", ref: grafana.image },
    env: {
      GF_SECURITY_ADMIN_USER: grafana.adminUser,
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
      GF_NEWS_NEWS_FEED_ENABLED: "false",
      // Grafana applies it when it creates its database (first start); later changes need `grafana cli admin reset-admin-password`.
      [`${ADMIN_PASSWORD_ENV}__FILE`]: ADMIN_PASSWORD_FILE,
    },
    ports: [{ internal: GRAFANA.port, external: grafana.hostPort, configKey: "monitoring.grafana.hostPort" }],
    volumes: [{ volume: VOLUMES.grafana, containerPath: "/var/lib/grafana", readOnly: false }],
    files: [
      { path: ADMIN_PASSWORD_FILE, content: "", secret: "grafanaAdminPassword" },
      { path: `${GRAFANA_PROVISIONING}/datasources/ai-suite.yaml`, content: renderDatasources(provisioning) },
      { path: `${GRAFANA_PROVISIONING}/dashboards/ai-suite.yaml`, content: renderDashboardProvider(provisioning) },
      ...dashboards.map((d) => ({ path: `${GRAFANA_DASHBOARDS}/${d.uid}.json`, content: `${JSON.stringify(d, null, 2)}\n` })),
    ],
    // /api/health reports `database: ok`; first start runs migrations.
    healthcheck: curlProbe(`http://127.0.0.1:${GRAFANA.port}/api/health`, { startPeriodSec: 180 }),
    metrics: GRAFANA_METRICS,
    dependsOn: [PROMETHEUS.service, LOKI.service],
    limits: { memoryMiB: grafana.memoryMiB, cpus: grafana.cpus },
    capabilities: { drop: ["ALL"], add: [] },
  });
}
