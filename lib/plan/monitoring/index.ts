/**
 * The monitoring stack for a set of deployed services: exporters and stores
 * first, then Prometheus and Grafana, whose generated files cover every
 * service with a metrics endpoint (the monitoring services' own included).
 */
import type { PlanContext } from "../define-service";
import type { ServiceSpec } from "../service-spec";
import type { ObservedService } from "./observed";
import { planAlertmanager } from "./alertmanager";
import { planAlloy } from "./alloy";
import { planCadvisor } from "./cadvisor";
import { planDcgmExporter } from "./dcgm-exporter";
import { grafanaSelf, planGrafana } from "./grafana";
import { planLoki } from "./loki";
import { planNodeExporter } from "./node-exporter";
import { planPrometheus, prometheusSelf } from "./prometheus";

/** `services`: what the stack runs besides monitoring, as monitoring needs to know it (name, container, metrics). */
export function planMonitoringStack(ctx: PlanContext, services: readonly ObservedService[]): ServiceSpec[] {
  const { monitoring } = ctx.config;
  if (!monitoring.enabled) return [];
  const supporting = [
    planNodeExporter(ctx),
    planCadvisor(ctx),
    ...(monitoring.dcgmExporter.enabled ? [planDcgmExporter(ctx)] : []),
    planLoki(ctx),
    planAlloy(ctx),
    planAlertmanager(ctx),
  ];
  const observed = [...services, ...supporting, prometheusSelf(ctx), grafanaSelf(ctx)];
  return [...supporting, planPrometheus(ctx, observed), planGrafana(ctx, observed)];
}
