/**
 * `npm run pack:build [-- --out <dir>]` (default dist/policy-pack): the policy
 * pack as a package that installs and loads on its own, for
 * `pulumi policy publish` (docs/policies.md, "Publishing the pack").
 *
 * `policies/` imports the program's `lib/` (and through it zod and yaml), so
 * the folder alone cannot load. esbuild bundles policies/index.ts with every
 * module it imports, `lib/` and models.lock.json included, into one index.js;
 * only the Pulumi SDKs stay external, at the exact versions policies/package.json
 * pins. Beside it: PulumiPolicy.yaml, a package.json with those dependencies
 * and nothing else, a package-lock.json cut from policies/package-lock.json
 * (the same resolved tree, less the pack's dev tools), and the licences of the
 * bundled packages.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = path.resolve(__dirname, "..");
const POLICIES = path.join(ROOT, "policies");
const EXACT = /^\d+\.\d+\.\d+$/;

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  license?: string;
}

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8")) as T;
const writeJson = (file: string, data: unknown) => fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);

/** An empty output directory; an existing one is replaced only when it holds a previous build (or nothing). */
function freshOutDir(out: string): void {
  if (fs.existsSync(out)) {
    const entries = fs.readdirSync(out);
    if (entries.length > 0 && !entries.includes("PulumiPolicy.yaml")) {
      throw new Error(`${out} is not empty and holds no previous pack build (no PulumiPolicy.yaml); choose another --out`);
    }
    fs.rmSync(out, { recursive: true, force: true });
  }
  fs.mkdirSync(out, { recursive: true });
}

/** policies/package-lock.json for a package.json that keeps the dependencies and drops the dev tools. */
function runtimeLock(dependencies: Record<string, string>, pack: PackageJson): unknown {
  const lock = readJson<{ packages: Record<string, LockEntry>; [key: string]: unknown }>(path.join(POLICIES, "package-lock.json"));
  const packages: Record<string, LockEntry> = { "": { name: pack.name, version: pack.version, dependencies } };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === "" || entry.dev || entry.devOptional) continue;
    packages[key] = entry;
  }
  for (const [name, version] of Object.entries(dependencies)) {
    const locked = packages[`node_modules/${name}`];
    if (locked?.version !== version)
      throw new Error(
        `policies/package-lock.json has ${name}@${String(locked?.version)}, policies/package.json pins ${version}; run npm install --prefix policies`,
      );
  }
  return { ...lock, packages };
}

/** The licence text of every npm package bundled into index.js (they ship inside it, so their notices must too). */
function thirdPartyNotices(inputs: string[]): string {
  const roots = new Set<string>();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) roots.add(match[1]!);
  }
  const sections = [...roots].sort().map((dir) => {
    const pkg = readJson<PackageJson>(path.join(ROOT, dir, "package.json"));
    const licenceFile = fs.readdirSync(path.join(ROOT, dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = licenceFile
      ? fs.readFileSync(path.join(ROOT, dir, licenceFile), "utf8").trim()
      : `(no licence file; package.json says ${pkg.license ?? "nothing"})`;
    return `${pkg.name}@${pkg.version} (${pkg.license ?? "?"})\n\n${text}\n`;
  });
  return `index.js bundles these packages:\n\n${sections.join("\n----------------------------------------\n\n")}`;
}

export interface BuildOptions {
  /** Modules to leave out of the bundle besides the SDKs (tests use it to build a pack that cannot load). */
  extraExternal?: string[];
}

export async function buildPolicyPack(out: string, options: BuildOptions = {}): Promise<{ bytes: number; bundled: string[] }> {
  const source = readJson<PackageJson & { description?: string }>(path.join(POLICIES, "package.json"));
  const dependencies = source.dependencies ?? {};
  for (const [name, version] of Object.entries(dependencies)) {
    if (!EXACT.test(version)) throw new Error(`policies/package.json: ${name} is "${version}"; the built pack ships exact versions only`);
  }
  freshOutDir(out);
  const result = await build({
    entryPoints: [path.join(POLICIES, "index.ts")],
    outfile: path.join(out, "index.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    tsconfig: path.join(POLICIES, "tsconfig.json"),
    // The analyzer and the engine protocol: the pack and the CLI must share one copy of each.
    external: [...Object.keys(dependencies), ...(options.extraExternal ?? [])],
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
    banner: {
      js: `// ${source.name}@${source.version}, built by \`npm run pack:build\` from policies/ and lib/ of local-ai-suite. Do not edit; rebuild.`,
    },
  });
  const inputs = Object.keys(result.metafile.inputs);
  const pack: PackageJson & Record<string, unknown> = {
    name: source.name,
    version: source.version,
    private: true,
    description:
      "CrossGuard policy pack for local-ai-suite, built by `npm run pack:build`: policies/ and the lib/ rules they share with the program, bundled into index.js.",
    main: "index.js",
    dependencies,
  };
  writeJson(path.join(out, "package.json"), pack);
  writeJson(path.join(out, "package-lock.json"), runtimeLock(dependencies, pack));
  fs.copyFileSync(path.join(POLICIES, "PulumiPolicy.yaml"), path.join(out, "PulumiPolicy.yaml"));
  fs.writeFileSync(path.join(out, "THIRD-PARTY-NOTICES.txt"), thirdPartyNotices(inputs));
  const bundled = [...new Set(inputs.flatMap((i) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(i)?.[1] ?? []))].sort();
  return { bytes: fs.statSync(path.join(out, "index.js")).size, bundled };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  const out = path.resolve(values.out ?? path.join(ROOT, "dist", "policy-pack"));
  const { bytes, bundled } = await buildPolicyPack(out);
  const relative = path.relative(process.cwd(), out);
  const shown = relative && !relative.startsWith("..") ? relative : out;
  process.stdout.write(
    `${out}: index.js (${(bytes / 1024).toFixed(0)} KiB, bundles policies/, lib/, models.lock.json and ${bundled.join(", ")}), ` +
      `package.json, package-lock.json, PulumiPolicy.yaml\n` +
      `  try it:   npm ci --prefix ${shown} && pulumi preview --stack p2 --policy-pack ${shown} --policy-pack-config policies/config/p2.json\n` +
      `  publish:  cd ${shown} && pulumi policy publish [org]\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`pack:build failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
