/**
 * Reading a stack's config, from the Pulumi runtime or from Pulumi.<stack>.yaml,
 * into a validated StackConfig. Nothing here touches Pulumi resources, so a bad
 * config fails before anything is registered.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError, describeIssue, PROJECT } from "./errors";
import { SECRET_KEYS, StackConfigSchema, type StackConfig } from "./schema";

export type RawStackConfig = Record<string, unknown>;

/** The fully defaulted config (what an empty stack file means). */
export function defaultStackConfig(): StackConfig {
  return StackConfigSchema.parse({});
}

/** Validates raw config; throws a ConfigError listing every problem. */
export function parseStackConfig(raw: RawStackConfig, source = "stack config"): StackConfig {
  const result = StackConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const defaults = defaultStackConfig();
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, raw, defaults));
  throw new ConfigError(problems, source);
}

/**
 * Pulumi hands config over as strings (objects JSON-encoded). Takes the
 * project's keys, decodes them, and leaves secret keys out (read separately).
 */
export function rawFromPulumiConfig(all: Record<string, string>, project = PROJECT): RawStackConfig {
  const raw: RawStackConfig = {};
  for (const [fullKey, text] of Object.entries(all)) {
    const [namespace, key] = splitKey(fullKey);
    if (namespace !== project || (SECRET_KEYS as readonly string[]).includes(key)) continue;
    raw[key] = decode(text);
  }
  return raw;
}

/** Reads `Pulumi.<stack>.yaml` (plain values only; secure values are skipped). */
export function rawFromStackFile(file: string, project = PROJECT): RawStackConfig {
  const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const raw: RawStackConfig = {};
  for (const [fullKey, value] of Object.entries(doc?.config ?? {})) {
    const [namespace, key] = splitKey(fullKey);
    if (namespace !== project || (SECRET_KEYS as readonly string[]).includes(key)) continue;
    raw[key] = value;
  }
  return raw;
}

/** Loads and validates the config of a named stack from its file next to Pulumi.yaml. */
export function loadStackFile(stack: string, projectDir = process.cwd()): StackConfig {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(`No stack file ${file}: stacks are p2 and p3 (or create Pulumi.${stack}.yaml)`);
  }
  return parseStackConfig(rawFromStackFile(file), `config in Pulumi.${stack}.yaml`);
}

function splitKey(fullKey: string): [string, string] {
  const colon = fullKey.indexOf(":");
  return colon < 0 ? [PROJECT, fullKey] : [fullKey.slice(0, colon), fullKey.slice(colon + 1)];
}

function decode(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
