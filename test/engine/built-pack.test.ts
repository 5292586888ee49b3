/**
 * The built pack (`npm run pack:build`) installs and loads on its own, as a
 * published one must: built into a temporary directory outside the repository,
 * given only its own dependencies (`npm ci --offline` from its package-lock,
 * out of the npm cache that `npm ci --prefix policies` filled), with NODE_PATH
 * unset and no node_modules above it, it reaches the same verdicts under the
 * real engine as `--policy-pack policies` does. A negative control (the same
 * build with zod left out of the bundle) shows the setup catches a module the
 * pack cannot resolve.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPolicyPack } from "../../scripts/pack-build";
import {
  cleanup,
  diagnostics,
  initStack,
  policyEvents,
  preview,
  REPO_DIR,
  tempProject,
  urnName,
  type EngineRun,
  type Project,
} from "../support/pulumi-cli";

const P2_PACK_CONFIG = path.join(REPO_DIR, "policies", "config", "p2.json");
/** What the repository's node_modules has and the built pack must not need: lib/'s dependencies. */
const REPO_ONLY_MODULES = ["zod", "yaml", "@huggingface/gguf", "@pulumi/docker"];

/** The environment the pack's processes get: this one, less NODE_PATH. */
function isolatedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_PATH;
  return copy;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, env: isolatedEnv(), encoding: "utf8", timeout: 180_000 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) failed (${result.status ?? result.error?.message}):\n${output}`);
  return output;
}

/** Every directory from `dir`'s parent up to the root that holds a node_modules Node would search. */
function node_modulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let at = path.dirname(dir); ; at = path.dirname(at)) {
    if (fs.existsSync(path.join(at, "node_modules"))) found.push(path.join(at, "node_modules"));
    if (path.dirname(at) === at) return found;
  }
}

/** A policy event as a reviewer compares it: resource, policy, level, message. */
const verdicts = (r: EngineRun) =>
  policyEvents(r)
    .map((e) => ({ resource: urnName(e.resourceUrn), policy: e.policyName, level: e.enforcementLevel, message: e.message.trim() }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

let work: string;
let packDir: string;
const projects: Project[] = [];

beforeAll(() => {
  work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "built-pack-")));
  packDir = path.join(work, "local-ai-suite-guard");
  run("npm", ["run", "--silent", "pack:build", "--", "--out", packDir], REPO_DIR);
  try {
    run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], packDir);
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nThe built pack installs from the npm cache; run \`npm ci --prefix policies\` once (it fills the cache with the same packages).`,
      { cause: error },
    );
  }
}, 240_000);
afterAll(() => {
  projects.forEach(cleanup);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function project(options: Parameters<typeof tempProject>[0], stacks: string[]): Promise<Project> {
  const p = tempProject(options);
  delete p.env.NODE_PATH;
  projects.push(p);
  for (const stack of stacks) await initStack(p, stack);
  return p;
}

describe("the pack built by npm run pack:build, installed on its own outside the repository", () => {
  it("lies outside the repository with no node_modules above it, and ships only the Pulumi SDKs as dependencies", () => {
    expect(path.relative(REPO_DIR, packDir).startsWith("..")).toBe(true);
    expect(node_modulesAbove(packDir)).toEqual([]);
    const built = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")) as {
      main: string;
      dependencies: Record<string, string>;
    };
    const source = JSON.parse(fs.readFileSync(path.join(REPO_DIR, "policies", "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(built.dependencies).toEqual(source.dependencies);
    expect(built.main).toBe("index.js");
    expect(parseYaml(fs.readFileSync(path.join(packDir, "PulumiPolicy.yaml"), "utf8"))).toMatchObject({
      name: "local-ai-suite-guard",
      runtime: "nodejs",
    });
    // Everything index.js requires is a Node built-in or one of those dependencies.
    const required = [...fs.readFileSync(path.join(packDir, "index.js"), "utf8").matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!);
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect([...new Set(required.filter((m) => !builtins.has(m)))].sort()).toEqual(["@pulumi/policy"]);
  });

  it("resolves the SDKs from its own node_modules and none of the repository's modules", () => {
    const probe = `for (const m of ${JSON.stringify(["@pulumi/policy", "@pulumi/pulumi", ...REPO_ONLY_MODULES])}) {
      let at = null; try { at = require.resolve(m, { paths: [process.cwd()] }); } catch {}
      console.log(JSON.stringify([m, at]));
    }`;
    const resolved = Object.fromEntries(
      run(process.execPath, ["-e", probe], packDir)
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as [string, string | null]),
    );
    expect(resolved["@pulumi/policy"]).toMatch(new RegExp(`^${packDir}/node_modules/`));
    expect(resolved["@pulumi/pulumi"]).toMatch(new RegExp(`^${packDir}/node_modules/`));
    for (const m of REPO_ONLY_MODULES) expect(resolved[m], m).toBeNull();
  });

  describe("under the real engine, beside the in-repo pack", () => {
    const p2Config = (parseYaml(fs.readFileSync(path.join(REPO_DIR, "Pulumi.p2.yaml"), "utf8")) as { config: Record<string, unknown> })
      .config;

    it("p2: loads, and reports exactly what --policy-pack policies reports (no mandatory violation)", async () => {
      const p = await project({ stacks: { p2: path.join(REPO_DIR, "Pulumi.p2.yaml") } }, ["p2"]);
      const [inRepo, built] = await Promise.all([
        preview(p, { stack: "p2", pack: { config: P2_PACK_CONFIG } }),
        preview(p, { stack: "p2", pack: { config: P2_PACK_CONFIG, dir: packDir } }),
      ]);
      expect(inRepo.code, inRepo.output).toBe(0);
      expect(built.code, built.output).toBe(0);
      expect(built.output).toContain(`(local: ${packDir})`);
      expect(diagnostics(built).filter((d) => d.severity === "error")).toEqual([]);
      expect(verdicts(built).map((v) => [v.policy, v.level])).toEqual([["startup-critical-path-report", "advisory"]]);
      expect(verdicts(built)).toEqual(verdicts(inRepo));
    }, 180_000);

    // The VRAM estimate (lib/vram and the model lock bundled in) and the dependency graph (lib/plan/graph).
    it.each([
      ["code-server-over-vram", "suite-llm-inference-code-container", "gpu-vram-budget"],
      ["rag-forgets-qdrant", "suite-rag-rag-container", "health-gated-ordering"],
    ])(
      "tampered-suite %s: rejected by both, with the same verdicts and messages",
      async (tamper, resource, policy) => {
        const p = await project({ fixture: "tampered-suite", stacks: { [tamper]: { ...p2Config, "tampered-suite:tamper": tamper } } }, [
          tamper,
        ]);
        const [inRepo, built] = await Promise.all([
          preview(p, { stack: tamper, pack: { config: P2_PACK_CONFIG } }),
          preview(p, { stack: tamper, pack: { config: P2_PACK_CONFIG, dir: packDir } }),
        ]);
        expect(inRepo.code, inRepo.output).not.toBe(0);
        expect(built.code, built.output).not.toBe(0);
        const mandatory = verdicts(built).filter((v) => v.level === "mandatory");
        expect(mandatory.map((v) => [v.resource, v.policy])).toEqual([[resource, policy]]);
        expect(verdicts(built)).toEqual(verdicts(inRepo));
      },
      180_000,
    );

    it("negative control: the same build with zod left out of the bundle fails to load, naming the module", async () => {
      const broken = path.join(work, "broken-pack");
      await buildPolicyPack(broken, { extraExternal: ["zod"] });
      fs.symlinkSync(path.join(packDir, "node_modules"), path.join(broken, "node_modules"));
      const p = await project({ stacks: { p2: path.join(REPO_DIR, "Pulumi.p2.yaml") } }, ["p2"]);
      const run = await preview(p, { stack: "p2", pack: { config: P2_PACK_CONFIG, dir: broken } });
      expect(run.code, run.output).not.toBe(0);
      expect(run.output).toMatch(/Cannot find module 'zod'/);
      expect(policyEvents(run)).toEqual([]);
    }, 180_000);
  });
});
