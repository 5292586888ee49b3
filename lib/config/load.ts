/**
 * A stack's config, as the Pulumi runtime or a parsed Pulumi.<stack>.yaml hands
 * it over, into a validated StackConfig. Pure: reading the file is
 * ops/stack-file.ts's. Nothing here touches Pulumi resources, so a bad config
 * fails before anything is registered.
 */
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
  return rawFromConfigEntries(
    Object.entries(all).map(([key, text]) => [key, decodeConfigValue(text)]),
    project,
  );
}

/**
 * The `config:` map of a parsed `Pulumi.<stack>.yaml` (YAML values are already
 * typed; secure values are skipped with the secret keys).
 */
export function rawFromStackDocument(doc: { config?: Record<string, unknown> } | null, project = PROJECT): RawStackConfig {
  return rawFromConfigEntries(Object.entries(doc?.config ?? {}), project);
}

/** This project's plain keys, namespace stripped; secret keys are read separately. */
function rawFromConfigEntries(entries: [string, unknown][], project: string): RawStackConfig {
  const raw: RawStackConfig = {};
  for (const [fullKey, value] of entries) {
    const [namespace, key] = splitKey(fullKey);
    if (namespace !== project || (SECRET_KEYS as readonly string[]).includes(key)) continue;
    raw[key] = value;
  }
  return raw;
}

/** Parses "a.b.c=value" (value as JSON when it parses, else the string) onto a copy of `raw`. */
export function applyOverrides(raw: RawStackConfig, sets: string[]): RawStackConfig {
  const result = structuredClone(raw);
  for (const set of sets) {
    const eq = set.indexOf("=");
    if (eq <= 0) throw new Error(`--set ${set}: expected key.path=value, e.g. --set paths.dataDir=/srv/ai-data`);
    const keys = set.slice(0, eq).split(".");
    let cursor = result as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      const next = cursor[key];
      cursor = cursor[key] = next !== null && typeof next === "object" && !Array.isArray(next) ? (next as Record<string, unknown>) : {};
    }
    cursor[keys[keys.length - 1]!] = decodeConfigValue(set.slice(eq + 1));
  }
  return result;
}

function splitKey(fullKey: string): [string, string] {
  const colon = fullKey.indexOf(":");
  return colon < 0 ? [PROJECT, fullKey] : [fullKey.slice(0, colon), fullKey.slice(colon + 1)];
}

/** A config value as Pulumi and `--set` hand it over: JSON when it parses, else the plain string. */
function decodeConfigValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
