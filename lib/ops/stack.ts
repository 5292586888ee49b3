/**
 * The stack as the operations tasks see it: Pulumi.<stack>.yaml and the model
 * lock through the same schema and planner as the program, with optional
 * `--set key=value` overrides (e.g. to point paths or ports elsewhere without
 * editing the file).
 */
import { loadStackFile } from "../config/load";
import type { StackConfig } from "../config/schema";
import type { ModelLock } from "../models/lock";
import { planStack, type StackPlan, type StackSecrets } from "../plan/stack-plan";
import { lockFilePath, readLockFile } from "./models/lock-file";

export interface LoadedStack {
  config: StackConfig;
  lock: ModelLock;
  plan: StackPlan;
}

/** `lockFile`: another lock than `<projectDir>/models.lock.json`. */
export function loadStack(stack: string, projectDir: string, sets: string[] = [], secrets: Partial<StackSecrets> = {}, lockFile?: string): LoadedStack {
  const config = loadStackFile(stack, projectDir, sets);
  const lock = readLockFile(lockFilePath(projectDir, lockFile));
  const plan = planStack(config, { stack, projectDir, lock, secrets });
  return { config, lock, plan };
}
