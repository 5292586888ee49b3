/**
 * Where the operations tasks reach the services: the deployed stack's outputs
 * when `pulumi stack output` can give them, else the URLs the plan derives from
 * the config. The choice is made here and nowhere else.
 */
import type { Endpoint, StackPlan } from "../lib/plan/stack-plan";
import { firstLine, runCommand } from "./run-command";

export interface ResolvedEndpoints {
  /** Endpoint name (as in the plan: "qdrant", "mcp-server-8021") -> base URL. */
  urls: Record<string, string>;
  source: "stack outputs" | "config";
  /** Why the outputs were not used, when they were not. */
  note?: string;
}

/** Reads `pulumi stack output --json`; undefined with a reason when there is no CLI or no deployed stack. */
export type StackOutputsReader = (stack: string) => Promise<{ outputs?: Record<string, unknown>; reason?: string }>;

export async function resolveEndpoints(plan: StackPlan, readOutputs: StackOutputsReader): Promise<ResolvedEndpoints> {
  const fromPlan = Object.fromEntries(plan.endpoints.map((e: Endpoint) => [e.name, e.url]));
  const { outputs, reason } = await readOutputs(plan.stack);
  const deployed = outputs?.endpoints;
  if (!deployed || typeof deployed !== "object") {
    return { urls: fromPlan, source: "config", note: reason ?? "the stack outputs have no endpoints" };
  }
  const urls = { ...fromPlan };
  for (const [name, url] of Object.entries(deployed as Record<string, unknown>)) if (typeof url === "string") urls[name] = url;
  return { urls, source: "stack outputs" };
}

/** The real reader: the Pulumi CLI in the project directory. */
export function pulumiOutputsReader(projectDir: string): StackOutputsReader {
  return async (stack) => {
    const result = await runCommand("pulumi", ["stack", "output", "--json", "--stack", stack], { cwd: projectDir, timeoutMs: 30_000 });
    if (result.notFound) return { reason: "the pulumi CLI is not installed" };
    if (!result.ok) return { reason: `pulumi stack output failed: ${firstLine(result.stderr)}` };
    try {
      return { outputs: JSON.parse(result.stdout) as Record<string, unknown> };
    } catch {
      return { reason: "pulumi stack output did not print JSON" };
    }
  };
}
