/**
 * The stack as the operations tasks see it: Pulumi.<stack>.yaml through the
 * same schema and planner as the program, with optional `--set key=value`
 * overrides (e.g. to point paths or ports elsewhere without editing the file).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseStackConfig, rawFromStackFile, type RawStackConfig } from "../config/load";
import type { StackConfig } from "../config/schema";
import { planStack, type StackPlan, type StackSecrets } from "../plan/stack-plan";

export interface LoadedStack {
  config: StackConfig;
  plan: StackPlan;
}

/** Parses "a.b.c=value" (value as JSON when it parses, else the string) onto a copy of `raw`. */
export function applyOverrides(raw: RawStackConfig, sets: string[]): RawStackConfig {
  const result = structuredClone(raw);
  for (const set of sets) {
    const eq = set.indexOf("=");
    if (eq <= 0) throw new Error(`--set ${set}: expected key.path=value, e.g. --set paths.dataDir=/srv/ai-data`);
    const keys = set.slice(0, eq).split(".");
    const text = set.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    let cursor = result as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      const next = cursor[key];
      cursor = cursor[key] = next !== null && typeof next === "object" && !Array.isArray(next) ? (next as Record<string, unknown>) : {};
    }
    cursor[keys[keys.length - 1]!] = value;
  }
  return result;
}

export async function loadStack(stack: string, projectDir: string, sets: string[] = [], secrets: Partial<StackSecrets> = {}): Promise<LoadedStack> {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`No stack file ${file}: stacks are ${knownStacks(projectDir).join(", ") || "none"} (or create Pulumi.${stack}.yaml)`);
  const config = parseStackConfig(applyOverrides(rawFromStackFile(file), sets), `config in Pulumi.${stack}.yaml`);
  const plan = await planStack(config, { stack, projectDir, secrets });
  return { config, plan };
}

function knownStacks(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);
}
