/**
 * The components follow Pulumi's conventions (docs in the developers' guide):
 * an Args interface whose every optional field documents its default, a type
 * token local-ai-suite:<module>:<Type> named after the class, registerOutputs
 * last, and no plain Error thrown from a component.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const COMPONENTS = path.resolve(__dirname, "../components");
const files = fs
  .readdirSync(COMPONENTS, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts"))
  .map((f) => ({ file: f, text: fs.readFileSync(path.join(COMPONENTS, f), "utf8") }));

/** `name?: type;` fields of every exported *Args interface, with the doc comment before each. */
function optionalArgs(text: string): { args: string; field: string; doc: string }[] {
  const found: { args: string; field: string; doc: string }[] = [];
  for (const match of text.matchAll(/export interface (\w+Args) \{([\s\S]*?)\n\}/g)) {
    const body = match[2]!;
    for (const field of body.matchAll(/((?:\s*\/\*\*[\s\S]*?\*\/)?)\s*(\w+)\?:/g))
      found.push({ args: match[1]!, field: field[2]!, doc: field[1]! });
  }
  return found;
}

describe("components", () => {
  it("document the default of every optional Args field", () => {
    const undocumented = files.flatMap(({ file, text }) =>
      optionalArgs(text)
        .filter((a) => !a.doc.includes("@default"))
        .map((a) => `${file}: ${a.args}.${a.field}`),
    );
    expect(undocumented).toEqual([]);
    expect(files.flatMap(({ text }) => optionalArgs(text)).length).toBeGreaterThan(3);
  });

  it("name their type token local-ai-suite:<module>:<Class>", () => {
    const tokens = files.flatMap(({ text }) =>
      [...text.matchAll(/"local-ai-suite:([a-z-]+):(\w+)"/g)].map((m) => ({ module: m[1]!, type: m[2]! })),
    );
    expect(tokens.length).toBeGreaterThan(8);
    const classes = new Set(files.flatMap(({ text }) => [...text.matchAll(/export (?:abstract )?class (\w+)/g)].map((m) => m[1]!)));
    // Aliases name former tokens, whose classes are gone; every other token names a class of this folder.
    const aliased = new Set(
      files.flatMap(({ text }) => [...text.matchAll(/\{ type: "local-ai-suite:[a-z-]+:(\w+)" \}/g)].map((m) => m[1]!)),
    );
    expect(tokens.filter((t) => !classes.has(t.type) && !aliased.has(t.type))).toEqual([]);
  });

  it("register their outputs last and throw ResourceError, not Error", () => {
    let checked = 0;
    for (const { file, text } of files) {
      expect(text, file).not.toMatch(/throw new Error\(/);
      for (const ctor of text.matchAll(/\n {2}constructor\([\s\S]*?\n {2}\}\n/g)) {
        if (!/super\("local-ai-suite:/.test(ctor[0]) || /extends ServiceGroup/.test(text.slice(0, ctor.index))) continue;
        const body = ctor[0]
          .trimEnd()
          .split("\n")
          .slice(0, -1)
          .filter((l) => l.trim());
        expect(body.at(-1), `${file}: the constructor's last statement`).toMatch(/this\.registerOutputs\(/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});
