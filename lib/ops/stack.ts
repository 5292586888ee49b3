/**
 * The stack as the operations tasks see it: Pulumi.<stack>.yaml through the
 * same schema and planner as the program, with optional `--set key=value`
 * overrides (e.g. to point paths or ports elsewhere without editing the file).
 */
import { loadStackFile } from "../config/load";
import type { StackConfig } from "../config/schema";
import { planStack, type StackPlan, type StackSecrets } from "../plan/stack-plan";

export interface LoadedStack {
  config: StackConfig;
  plan: StackPlan;
}

export async function loadStack(stack: string, projectDir: string, sets: string[] = [], secrets: Partial<StackSecrets> = {}): Promise<LoadedStack> {
  const config = loadStackFile(stack, projectDir, sets);
  const plan = await planStack(config, { stack, projectDir, secrets });
  return { config, plan };
}
