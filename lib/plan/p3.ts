/** The p3 services (MCP server, memory API and maintainer) and the monitoring stack. */
import type { PlanContext } from "./define-service";
import { planMcpServer } from "./mcp";
import { planMemoryApi, planMemoryMaintainer } from "./memory";
import { planMonitoringStack } from "./monitoring";
import type { ServiceSpec } from "./service-spec";
import type { StackSecrets } from "./stack-plan";

/** MCP server and memory services, when enabled in the config. */
export function planP3Services(ctx: PlanContext, _secrets: StackSecrets): ServiceSpec[] {
  const { mcp, memory } = ctx.config;
  return [
    ...(mcp.enabled ? [planMcpServer(ctx)] : []),
    ...(memory.enabled ? [planMemoryApi(ctx), planMemoryMaintainer(ctx)] : []),
  ];
}

/**
 * Monitoring services scraping `services`, when enabled in the config. Secrets
 * need no flag here: a service that needs a token says so in its `metrics`.
 */
export function planMonitoring(ctx: PlanContext, services: ServiceSpec[], _secrets: StackSecrets): ServiceSpec[] {
  return planMonitoringStack(ctx, services);
}
