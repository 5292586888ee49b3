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

/** Parses "a.b.c=value" (value as JSON when it parses, else the string) onto a copy of `raw`. */
function applyOverrides(raw: RawStackConfig, sets: string[]): RawStackConfig {
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

function knownStacks(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);
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
