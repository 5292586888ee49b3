/** Reading a stack's config file, `Pulumi.<stack>.yaml` next to Pulumi.yaml, for the operator commands and tests. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { applyOverrides, parseStackConfig, rawFromStackDocument, type RawStackConfig } from "../lib/config/load";
import type { StackConfig } from "../lib/config/schema";

/** The plain values of `file` (secure values are skipped). */
export function rawFromStackFile(file: string): RawStackConfig {
  return rawFromStackDocument(parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null);
}

/**
 * Loads and validates the config of a named stack from its file next to
 * Pulumi.yaml, with optional `key.path=value` overrides applied first.
 */
export function loadStackFile(stack: string, projectDir = process.cwd(), sets: string[] = []): StackConfig {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(`No stack file ${file}: stacks are ${knownStacks(projectDir).join(", ") || "none"} (or create Pulumi.${stack}.yaml)`);
  }
  return parseStackConfig(applyOverrides(rawFromStackFile(file), sets), `config in Pulumi.${stack}.yaml`);
}

export function knownStacks(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);
}
