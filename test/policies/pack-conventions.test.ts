/** The pack's shape: names, descriptions, config schemas, and config files the CLI would accept. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { policies } from "../../policies/policies";
import { PROJECT_DIR } from "../support/pulumi-harness";
import { enforcementLevel, loadPackConfig } from "./harness";

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

describe("policy pack conventions", () => {
  it("names are unique kebab-case ids and descriptions are one 'Checks that ...' sentence", () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of policies) {
      expect(p.name).toMatch(/^[a-z][0-9a-z-]+[0-9a-z]$/);
      expect(p.name).not.toBe("all");
      expect(p.description, p.name).toMatch(/^Checks that [^.]+(\.[^ ][^.]*)*\.$/);
      for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
        expect(key).not.toBe("enforcementLevel");
        expect(schema.default, `${p.name}.${key} needs a default`).toBeDefined();
      }
    }
  });

  it("PulumiPolicy.yaml and package.json are what the CLI needs", () => {
    const manifest = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "policies/PulumiPolicy.yaml"), "utf8"));
    expect(manifest).toMatchObject({ name: "local-ai-suite-guard", runtime: "nodejs" });
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policies/package.json"), "utf8"));
    const root = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    // Same exact versions as the program, so the pack and the tests run the same SDK.
    expect(pkg.dependencies["@pulumi/policy"]).toBe(root.dependencies["@pulumi/policy"]);
    expect(pkg.dependencies["@pulumi/pulumi"]).toBe(root.dependencies["@pulumi/pulumi"]);
    expect(pkg.devDependencies.typescript).toBe(root.devDependencies.typescript);
  });

  it.each(["p2", "p3"])("policies/config/%s.json names only real policies and schema keys with valid levels", (stack) => {
    const config = loadPackConfig(stack);
    const byName = new Map(policies.map((p) => [p.name, p]));
    for (const [name, entry] of Object.entries(config)) {
      if (name === "all") {
        expect(LEVELS).toContain(entry);
        continue;
      }
      const policy = byName.get(name);
      expect(policy, `unknown policy ${name}`).toBeDefined();
      if (typeof entry === "string") {
        expect(LEVELS).toContain(entry);
        continue;
      }
      const { enforcementLevel: level, ...values } = entry;
      if (level !== undefined) expect(LEVELS).toContain(level);
      for (const [key, value] of Object.entries(values)) {
        const schema = policy!.configSchema?.properties[key];
        expect(schema, `${name}.${key} is not in its configSchema`).toBeDefined();
        const type = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
        expect([schema!.type].flat(), `${name}.${key}`).toContain(type);
      }
    }
  });

  it("every policy is mandatory in both stacks except the critical-path report, and p3's critical-path bound", () => {
    const levels = (stack: string) => Object.fromEntries(policies.map((p) => [p.name, enforcementLevel(p, loadPackConfig(stack))]));
    const advisory = (stack: string) =>
      Object.entries(levels(stack))
        .filter(([, l]) => l !== "mandatory")
        .map(([n, l]) => `${n}:${l}`);
    expect(advisory("p2")).toEqual(["startup-critical-path-report:advisory"]);
    expect(advisory("p3").sort()).toEqual(["startup-critical-path-report:advisory", "startup-critical-path:advisory"]);
  });
});

describe("the pack entry point", () => {
  it("starts the analyzer from policies/ like the CLI does (PolicyPack accepts every policy and finds the version)", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["--import", "tsx", "index.ts"], {
      cwd: path.join(PROJECT_DIR, "policies"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    try {
      // The analyzer prints the port it listens on once the pack is constructed.
      const port = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d) => resolve(String(d).trim()));
        child.on("exit", (code) => reject(new Error(`pack exited with ${code}: ${stderr}`)));
      });
      expect(port).toMatch(/^\d+$/);
    } finally {
      child.kill();
    }
  }, 30_000);
});
