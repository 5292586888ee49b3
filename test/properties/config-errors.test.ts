/**
 * Properties of the config error description (lib/config/errors.ts through
 * parseStackConfig in load.ts): a bad value at any key of the schema, or an
 * unknown key in any section, gives a ConfigError whose problem names that key
 * path, the value found, what is allowed and a fix; and no value, however odd
 * (undefined, null, NaN, nested objects, long or non-BMP strings, keys like
 * `__proto__`), makes the description throw anything else or render badly.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configJsonSchema } from "../../lib/config/docs";
import { ConfigError, PROJECT, show, type ConfigProblem } from "../../lib/config/errors";
import { parseStackConfig } from "../../lib/config/load";

const RUNS = { numRuns: 200 };
/** Stands for "any key" in a record section (embedding.source.build.args.<key>). */
const ANY_KEY = Symbol("any key");
type PathPart = string | number | typeof ANY_KEY;

interface SchemaKey {
  path: PathPart[];
  /** The JSON kinds the schema accepts here (`integer` and `number` apart). */
  kinds: Set<string>;
  /** An object section with fixed keys (unknown keys are rejected there). */
  section: boolean;
}

interface JsonNode {
  type?: string | string[];
  anyOf?: JsonNode[];
  properties?: Record<string, JsonNode>;
  additionalProperties?: JsonNode | boolean;
  items?: JsonNode;
}

/** Every key the schema has, from the same JSON Schema the README's config table is generated from. */
function schemaKeys(node: JsonNode, path: PathPart[] = []): SchemaKey[] {
  const kinds = new Set([node.type ?? [], ...(node.anyOf ?? []).map((n) => n.type ?? [])].flat());
  const here: SchemaKey = { path, kinds, section: node.properties !== undefined };
  const below = [
    ...Object.entries(node.properties ?? {}).flatMap(([k, child]) => schemaKeys(child, [...path, k])),
    ...(node.items ? schemaKeys(node.items, [...path, 0]) : []),
    ...(typeof node.additionalProperties === "object" ? schemaKeys(node.additionalProperties, [...path, ANY_KEY]) : []),
  ];
  return [here, ...below];
}

const KEYS = schemaKeys(configJsonSchema() as JsonNode);
const LEAVES = KEYS.filter((k) => k.path.length > 0);
const SECTIONS = KEYS.filter((k) => k.section);
const TOP_LEVEL = new Set(KEYS.filter((k) => k.path.length === 1).map((k) => k.path[0]));

/** Keys a person or a JSON document can write: unicode, empty, long, and the ones objects inherit. */
const oddKey = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "", " ", "a.b", "x[0]", "it's", "ключ", "🔑"),
);
const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.string({ unit: "binary", minLength: 60, maxLength: 300 }), // lone surrogates and astral code points, past the 80-column cut
  fc.constantFrom("", " ", "null", "undefined", "auto", "\u0000", "a\nb", "🚀".repeat(60), "e\u0301".repeat(60), "x".repeat(5000)),
);
const oddNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53 + 2, 1e308, 5e-324));
/** What a stack file, `pulumi config set` or JSON can hold, plus the numbers YAML adds (.nan, .inf). */
const { value: oddValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    oddString,
    oddNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(oddKey, tie("value"), { maxKeys: 4 }),
  ),
}));

/** The JSON kind of a value as the schema's types name them. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}
const accepts = (key: SchemaKey, value: unknown) =>
  key.kinds.has(kindOf(value)) || (kindOf(value) === "integer" && key.kinds.has("number"));

/**
 * A key path as `pulumi config --path` reads it: `a.b`, `a[0]`, and `a["x.y"]` for a key that is empty or holds
 * a dot, a bracket, a quote, a space or a control character (Pulumi refuses `a.` and `a..b`).
 */
function pulumiPath(parts: (string | number)[]): string {
  return parts.reduce<string>((s, p) => {
    if (typeof p === "number") return `${s}[${p}]`;
    if (p === "" || /[.[\]"\s]|\p{C}/u.test(p)) return `${s}[${JSON.stringify(p)}]`;
    return s ? `${s}.${p}` : p;
  }, "");
}

/** The concrete path (a record's key filled in) and how the messages spell it. */
function concrete(path: PathPart[], recordKey: string): { path: (string | number)[]; key: string } {
  const parts = path.map((p) => (p === ANY_KEY ? recordKey : p));
  return { path: parts, key: pulumiPath(parts) };
}

/** A raw config holding only `value` at `path` (own properties, so `__proto__` is a key like any other). */
function rawWith(path: (string | number)[], value: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let cursor: Record<string | number, unknown> = root;
  path.forEach((part, i) => {
    const child = i === path.length - 1 ? value : typeof path[i + 1] === "number" ? [] : {};
    Object.defineProperty(cursor, part, { value: child, enumerable: true, writable: true, configurable: true });
    cursor = child as Record<string | number, unknown>;
  });
  return root;
}

/** parseStackConfig's verdict: the problems, or none; anything but a ConfigError fails the property. */
function problemsOf(raw: Record<string, unknown>): { problems: ConfigProblem[]; message: string } {
  try {
    parseStackConfig(raw);
    return { problems: [], message: "" };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw new Error(`parseStackConfig threw ${String(error)}, not a ConfigError`, { cause: error });
    return { problems: error.problems, message: error.message };
  }
}

/** A value as JSON data, with NaN and Infinity named (JSON itself would turn them into null). */
function asShown(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? v + 0 : String(v);
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : asShown(x)));
  if (v !== null && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, asShown(x)]),
    );
  return v;
}

/** The value as the message shows it is that value: JSON that parses back to it, NaN and Infinity by name. */
function expectShownAsItself(value: unknown): void {
  const shown = show(value);
  if (typeof value === "number" && !Number.isFinite(value)) expect(shown).toBe(String(value));
  else if (!shown.endsWith("...")) expect(JSON.parse(shown)).toEqual(asShown(value));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What every rendered problem must hold, whatever the value. */
function expectRendered(problems: ConfigProblem[], message: string): void {
  expect(message).toMatch(new RegExp(`^Invalid stack config \\(${problems.length} problems?\\):\n`));
  for (const p of problems) {
    expect(p.key).not.toBe("");
    expect(p.allowed.trim()).not.toBe("");
    expect(p.fix.trim()).not.toBe("");
    expect(message).toContain(`  - ${PROJECT}:${p.key} = ${show(p.value)}: ${p.allowed}\n      fix: ${p.fix}`);
    // The value is shown in at most 80 columns, whatever its length.
    expect(show(p.value).length).toBeLessThanOrEqual(80);
  }
  expect(message).not.toMatch(/\[object Object\]/);
  expect(LONE_SURROGATE.test(message), "the message is well-formed UTF-16 (no half of a surrogate pair)").toBe(false);
}

describe("config error descriptions, for arbitrary bad values at arbitrary keys of the schema", () => {
  it("a value of a kind the key does not take: a problem names that key path, the value, what is allowed and a fix", () => {
    fc.assert(
      fc.property(fc.constantFrom(...LEAVES), oddKey, oddValue, (leaf, recordKey, value) => {
        fc.pre(!accepts(leaf, value));
        // zod's records drop a `__proto__` key unread (its prototype-pollution guard), so nothing of it reaches a build.
        fc.pre(!(leaf.path.includes(ANY_KEY) && recordKey === "__proto__"));
        const { path, key } = concrete(leaf.path, recordKey);
        const { problems, message } = problemsOf(rawWith(path, value));
        const problem = problems.find((p) => p.key === key);
        expect(problem, `no problem names ${key} in:\n${message}`).toBeDefined();
        expect(problem!.value).toBe(value);
        // The fix names the key, in single quotes for the shell when it is a command (a key may hold a quote).
        expect(
          [key, `'${key.replaceAll("'", "'\\''")}'`].some((k) => problem!.fix.includes(k)),
          problem!.fix,
        ).toBe(true);
        expectShownAsItself(value);
        // "what is allowed" never contradicts itself ("expected number, got number" for NaN) and calls null null.
        expect(problem!.allowed).not.toMatch(/expected (\w+), got \1$/);
        if (value === null && / got /.test(problem!.allowed)) expect(problem!.allowed).toMatch(/ got null$/);
        expectRendered(problems, message);
      }),
      RUNS,
    );
  });

  it("an unknown key in any section: a problem names section.key and says to rename or remove it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SECTIONS), oddKey, oddValue, (section, unknownKey, value) => {
        const { path } = concrete(section.path, "k");
        // An empty key at the top cannot come from Pulumi ("config key is empty"), but it is described all the same.
        fc.pre(path.length > 0 || !TOP_LEVEL.has(unknownKey));
        const raw = rawWith([...path, unknownKey], value);
        const { problems, message } = problemsOf(raw);
        const expected = pulumiPath([...path, unknownKey]);
        const problem = problems.find((p) => p.key === expected);
        // A key the section has is no unknown key (it may still be a bad value, or fine).
        if (problem === undefined) {
          const sectionKeys = KEYS.filter(
            (k) => k.path.length === section.path.length + 1 && section.path.every((p, i) => k.path[i] === p),
          ).map((k) => k.path.at(-1));
          expect(sectionKeys, `no problem names ${expected} in:\n${message}`).toContain(unknownKey);
          return;
        }
        expect(problem.allowed).toMatch(/^unknown key/);
        expect(problem.fix).toMatch(/^(rename it to|remove it)/);
        expectRendered(problems, message);
      }),
      RUNS,
    );
  });

  it("any value at any key, undefined included: a ConfigError or a valid config, never another exception or a garbled message", () => {
    fc.assert(
      fc.property(fc.constantFrom(...KEYS), oddKey, fc.oneof(oddValue, fc.constant(undefined)), (at, recordKey, value) => {
        const { path } = concrete(at.path, recordKey);
        const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
        // Pulumi hands over the root as a map of keys, so only its keys can be odd.
        const raw = path.length ? rawWith(path, value) : isObject ? (value as Record<string, unknown>) : {};
        const { problems, message } = problemsOf(raw);
        if (problems.length) expectRendered(problems, message);
      }),
      RUNS,
    );
  });
});
