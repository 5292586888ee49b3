/** The p3 services (MCP server, memory API and maintainer) and the monitoring stack. */
import type { PlanContext } from "./define-service";
import type { ServiceSpec } from "./service-spec";
import type { StackSecrets } from "./stack-plan";

/** MCP server and memory services, when enabled in the config. */
export function planP3Services(ctx: PlanContext, _secrets: StackSecrets): ServiceSpec[] {
  if (ctx.config.mcp.enabled || ctx.config.memory.enabled) {
    throw new Error("mcp and memory services are not implemented yet (issue #5)");
  }
  return [];
}

/** Monitoring services scraping `services`, when enabled in the config. */
export function planMonitoring(ctx: PlanContext, _services: ServiceSpec[], _secrets: StackSecrets): ServiceSpec[] {
  if (ctx.config.monitoring.enabled) throw new Error("monitoring is not implemented yet (issue #5)");
  return [];
}
