/** The README's configuration table is generated from the schema: it fails here when they drift, and every key has a description. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { configRows, configTableMarkdown, TABLE_END, TABLE_START, undocumentedKeys, withConfigTable } from "../lib/config/docs";
import { defaultStackConfig } from "../lib/config/load";

const README = path.resolve(__dirname, "..", "README.md");

describe("README configuration table", () => {
  it("is the one the schema generates (run `npm run docs:config` after changing lib/config)", () => {
    const readme = fs.readFileSync(README, "utf8");
    const section = readme.slice(readme.indexOf(TABLE_START) + TABLE_START.length, readme.indexOf(TABLE_END)).trim();
    expect(section, "README.md's configuration table differs from the schema: run `npm run docs:config`").toBe(configTableMarkdown());
    expect(withConfigTable(readme)).toBe(readme);
  });

  it("documents every key: each has a description or sits below a described section", () => {
    expect(undocumentedKeys()).toEqual([]);
    const rows = configRows().map((r) => r.key);
    for (const key of Object.keys(defaultStackConfig())) expect(rows.some((r) => r === key || r.startsWith(`${key}.`) || r.startsWith(`${key}[]`)), key).toBe(true);
  });

  it("states each default as the schema has it, and what phase means", () => {
    const row = (key: string) => configRows().find((r) => r.key === key)!;
    expect(row("inference.{chat,code}.nGpuLayers").default).toBe("`999` / `20`");
    expect(row("bindAddress").default).toBe("`127.0.0.1`");
    expect(row("phase").meaning).toContain("p3: all of p2 plus the MCP server, the memory API and maintainer, and monitoring");
    expect(row("monitoring.enabled").default).toBe("p3: on, p2: off");
  });
});
