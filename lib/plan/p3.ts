/** The p3 services besides monitoring (lib/plan/monitoring): the MCP server, memory API and maintainer. */
import type { PlanContext } from "./define-service";
import { planMcpServer } from "./mcp";
import { planMemoryApi, planMemoryMaintainer } from "./memory";
import type { ServiceSpec } from "./service-spec";

/** MCP server and memory services, when enabled in the config. */
export function planP3Services(ctx: PlanContext): ServiceSpec[] {
  const { mcp, memory } = ctx.config;
  return [
    ...(mcp.enabled ? [planMcpServer(ctx)] : []),
    ...(memory.enabled ? [planMemoryApi(ctx), planMemoryMaintainer(ctx)] : []),
  ];
}
