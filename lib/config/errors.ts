/**
 * Turns schema failures into messages a person can act on: the config key, the
 * value found, what is allowed, and the command that fixes it.
 */
import type { z } from "zod";
import { shellQuote } from "../shell";

export const PROJECT = "local-ai-suite";

export interface ConfigProblem {
  /** Dotted key path below the project namespace, e.g. "gateway.hostPort". */
  key: string;
  /** The value found (undefined when the key is missing). */
  value: unknown;
  /** What is allowed / what is wrong. */
  allowed: string;
  /** A command or edit that fixes it. */
  fix: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], source = "stack config") {
    super(
      `Invalid ${source} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${PROJECT}:${p.key} = ${show(p.value)}: ${p.allowed}\n      fix: ${p.fix}`).join("\n"),
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export function show(value: unknown): string {
  if (value === undefined) return "(not set)";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  // NaN and Infinity (YAML's .nan and .inf) by name: JSON would show them as null.
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
  if (text.length <= 80) return text;
  // Cut between code points: half of a surrogate pair (an emoji, a CJK extension character) garbles the message.
  const cut = /[\uD800-\uDBFF]/.test(text[76]!) ? 76 : 77;
  return `${text.slice(0, cut)}...`;
}

/** A key segment `--path` can take as it is; others go in brackets, quoted (`x[""]`, `args["a.b"]`). */
const PLAIN_SEGMENT = /^[^.[\]"\s\p{C}]+$/u;

/** A key path as Pulumi's `--path` syntax spells it: `gateway.hostPort`, `models[0]`, `build.args["a.b"]`. */
export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === "number") return `${acc}[${part}]`;
    const name = String(part);
    if (!PLAIN_SEGMENT.test(name)) return `${acc}[${JSON.stringify(name)}]`;
    return acc ? `${acc}.${name}` : name;
  }, "");
}

export function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cursor: unknown = root;
  for (const part of path) {
    if (cursor === null || typeof cursor !== "object") return undefined;
    cursor = (cursor as Record<PropertyKey, unknown>)[part as string];
  }
  return cursor;
}

/** Edit distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

export function closest(word: string, candidates: string[]): string | undefined {
  const ranked = candidates.map((c) => ({ c, d: distance(word, c) })).sort((x, y) => x.d - y.d);
  return ranked.length && ranked[0].d <= Math.max(2, Math.floor(word.length / 3)) ? ranked[0].c : undefined;
}

function setCommand(key: string, example: unknown): string {
  if (example === undefined) return `pulumi config set --path ${shellQuote(key)} <value>   (or edit Pulumi.<stack>.yaml)`;
  if (typeof example === "object") return `edit Pulumi.<stack>.yaml, e.g. ${PROJECT}:${key}: ${JSON.stringify(example)}`;
  return `pulumi config set --path ${shellQuote(key)} ${JSON.stringify(example)}`;
}

/** Describes one zod issue; `defaults` is the fully defaulted config, used for examples. */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown, defaults: unknown): ConfigProblem[] {
  const path = issue.path;
  if (issue.code === "unrecognized_keys") {
    const allowedKeys = Object.keys((valueAt(defaults, path) as object | undefined) ?? {});
    return issue.keys.map((unknownKey) => {
      const key = keyPath([...path, unknownKey]);
      const guess = closest(unknownKey, allowedKeys);
      return {
        key,
        value: valueAt(raw, [...path, unknownKey]),
        allowed: `unknown key${allowedKeys.length ? `; allowed here: ${allowedKeys.join(", ")}` : ""}`,
        fix: guess
          ? `rename it to '${keyPath([...path, guess])}' (did you mean ${guess}?)`
          : `remove it: pulumi config rm --path ${shellQuote(key)}`,
      };
    });
  }
  const key = keyPath(path);
  const value = valueAt(raw, path);
  const example = valueAt(defaults, path);
  let allowed = issue.message;
  if (issue.code === "invalid_type") allowed = `expected ${issue.expected}, got ${kindOf(value)}`;
  if (issue.code === "invalid_value") allowed = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  if (issue.code === "invalid_union") allowed = describeUnion(issue);
  if (issue.code === "too_small" || issue.code === "too_big")
    allowed = `${issue.message.replace(/^Too (small|big): expected \w+ to (have )?/, "must be ")}`;
  // A custom issue may name its own fix (params.fix), when the generic "set it to the default" is not the fix.
  const ownFix = issue.code === "custom" && typeof issue.params?.fix === "string" ? issue.params.fix : undefined;
  return [{ key: key || "(root)", value, allowed, fix: ownFix ?? setCommand(key, example) }];
}

/** What a value is, as the message names it: null, arrays, NaN and Infinity are not "object" or "number" there. */
function kindOf(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return typeof value;
}

function describeUnion(issue: z.core.$ZodIssueInvalidUnion): string {
  const options = issue.errors.map((branch) => branch.map((i) => i.message).join("; "));
  return `matches none of the allowed forms: ${options.join(" | ")}`;
}
