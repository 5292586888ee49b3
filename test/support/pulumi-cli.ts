/**
 * The real Pulumi engine for tests: the CLI on PATH (`.ci/run` puts the offline
 * toolchain there), a throwaway project directory that links to the program or a
 * fixture, a temporary file backend and passphrase, and the engine's event log
 * to read what it did (steps, policy verdicts, diagnostics).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify as toYaml } from "yaml";
import { UNDER_MOCKS_ENV } from "../../program/runtime";

export const REPO_DIR = path.resolve(__dirname, "../..");
export const POLICY_PACK_DIR = path.join(REPO_DIR, "policies");
export const FIXTURES_DIR = path.join(REPO_DIR, "test", "engine", "fixtures");

const HOW_TO_GET_PULUMI =
  'The real-engine tests need the Pulumi CLI on PATH. Here: eval "$(bash scripts/toolchain.sh pulumi)" ' +
  "(installs ../shared/pulumi-toolchain offline); elsewhere: curl -fsSL https://get.pulumi.com | sh. `bash .ci/run` does this for you.";

/** The CLI's version, or a failure that says how to get one (never a skip). */
export function requirePulumi(): string {
  const probe = spawnSync("pulumi", ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
  if (probe.error || probe.status !== 0)
    throw new Error(`${HOW_TO_GET_PULUMI} (pulumi version: ${probe.error?.message ?? probe.stderr.trim()})`);
  return probe.stdout.trim();
}

export interface Project {
  /** The project directory the CLI runs in (Pulumi.yaml, stack files, links to the program). */
  dir: string;
  /** Root of the temporary file backend and of logs. */
  work: string;
  env: NodeJS.ProcessEnv;
}

export interface ProjectOptions {
  /** A fixture directory under test/engine/fixtures (its own Pulumi.yaml and index.ts); default: this repository's program. */
  fixture?: string;
  /** A directory holding a whole copy of the program (another commit's, for the layout test); default: this repository. */
  program?: string;
  /** Stack files to write: stack name -> its `config:` map (full keys), or the path of a stack file to copy. */
  stacks: Record<string, Record<string, unknown> | string>;
}

/** A throwaway project: the committed stack files are never touched (the CLI writes encryption salts into them). */
export function tempProject(options: ProjectOptions): Project {
  requirePulumi();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-engine-"));
  const dir = path.join(work, "project");
  const state = path.join(work, "state");
  fs.mkdirSync(dir);
  fs.mkdirSync(state);
  const source = options.fixture ? path.join(FIXTURES_DIR, options.fixture) : (options.program ?? REPO_DIR);
  fs.copyFileSync(path.join(source, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  for (const entry of ["index.ts", "package.json", "tsconfig.json"]) {
    const target = fs.existsSync(path.join(source, entry)) ? path.join(source, entry) : path.join(REPO_DIR, entry);
    fs.symlinkSync(target, path.join(dir, entry));
  }
  fs.symlinkSync(path.join(REPO_DIR, "node_modules"), path.join(dir, "node_modules"));
  for (const [stack, config] of Object.entries(options.stacks)) writeStackFile({ dir } as Project, stack, config);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // tsc --noEmit type-checks the program in `npm test`; the engine only needs to run it.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    // Enables --event-log.
    PULUMI_DEBUG_COMMANDS: "true",
    PULUMI_COLOR: "never",
  };
  // A real engine run is never "under mocks", whatever the test process ran before.
  delete env[UNDER_MOCKS_ENV];
  return { dir, work, env };
}

export function writeStackFile(project: Pick<Project, "dir">, stack: string, config: Record<string, unknown> | string): void {
  const file = path.join(project.dir, `Pulumi.${stack}.yaml`);
  if (typeof config === "string") fs.copyFileSync(config, file);
  else fs.writeFileSync(file, toYaml({ config }));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr, as a person would read them. */
  output: string;
  ms: number;
}

/** Runs the CLI in the project; resolves with its exit code (never rejects on a failing command). */
export function pulumi(
  project: Project,
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: project.dir, env: { ...project.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    let output = "";
    child.stdout.on("data", (d) => ((stdout += d), (output += d)));
    child.stderr.on("data", (d) => ((stderr += d), (output += d)));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (signal) output += `\n[pulumi ${args[0]} killed by ${signal} after ${Date.now() - started} ms]`;
      resolve({ code: code ?? -1, stdout, stderr, output, ms: Date.now() - started });
    });
  });
}

export async function initStack(project: Project, stack: string): Promise<void> {
  const result = await pulumi(project, ["stack", "init", stack, "--secrets-provider", "passphrase"]);
  if (result.code !== 0) throw new Error(`pulumi stack init ${stack} failed:\n${result.output}`);
}

/** One line of the engine's event log (only the parts the tests read). */
export interface EngineEvent {
  sequence: number;
  timestamp: number;
  policyEvent?: { resourceUrn?: string; message: string; policyName: string; policyPackName: string; enforcementLevel: string };
  diagnosticEvent?: { urn?: string; message: string; severity: string };
  resourcePreEvent?: { metadata: StepMetadata };
  resOutputsEvent?: { metadata: StepMetadata };
  resOpFailedEvent?: { metadata: StepMetadata; status: number; steps: number };
  summaryEvent?: { resourceChanges: Record<string, number>; durationSeconds: number };
}

export interface StepMetadata {
  op: string;
  urn: string;
  type: string;
  /** Properties whose change caused the step (update/replace). */
  diffs?: string[];
  keys?: string[];
  detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }>;
  old?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  new?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
}

export interface EngineRun extends CliResult {
  events: EngineEvent[];
}

/** `pulumi <command>` with an event log; `args` follow the command (e.g. ["--stack", "p2"]). */
export async function runWithEvents(
  project: Project,
  command: string[],
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<EngineRun> {
  const log = path.join(project.work, `events-${Date.now()}-${Math.random().toString(36).slice(2)}.jsonl`);
  const result = await pulumi(project, [...command, ...args, "--event-log", log], options);
  const events = fs.existsSync(log)
    ? fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as EngineEvent)
    : [];
  return { ...result, events };
}

export interface PreviewOptions {
  stack: string;
  /**
   * Run with the policy pack and this policy config file (default: policies/config/<stack>.json when pack is true);
   * `dir`: another pack directory than policies/ (e.g. one built by `npm run pack:build`).
   */
  pack?: boolean | { config: string; dir?: string };
  extraArgs?: string[];
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export function packArgs(stack: string, pack: PreviewOptions["pack"]): string[] {
  if (!pack) return [];
  const config = typeof pack === "object" ? pack.config : path.join(POLICY_PACK_DIR, "config", `${stack}.json`);
  const dir = (typeof pack === "object" && pack.dir) || POLICY_PACK_DIR;
  return ["--policy-pack", dir, "--policy-pack-config", config];
}

export function preview(project: Project, options: PreviewOptions): Promise<EngineRun> {
  return runWithEvents(
    project,
    ["preview"],
    ["--stack", options.stack, ...packArgs(options.stack, options.pack), ...(options.extraArgs ?? [])],
    {
      timeoutMs: options.timeoutMs,
      env: options.env,
    },
  );
}

export const policyEvents = (run: EngineRun) => run.events.flatMap((e) => (e.policyEvent ? [e.policyEvent] : []));
export const steps = (run: EngineRun) => run.events.flatMap((e) => (e.resourcePreEvent ? [e.resourcePreEvent.metadata] : []));
export const diagnostics = (run: EngineRun) => run.events.flatMap((e) => (e.diagnosticEvent ? [e.diagnosticEvent] : []));

/** The resource name at the end of a URN. */
/** A step's op as what it does to the resource (a replacement's several steps are each "replace"). */
export function stepAction(op: string): "none" | "update" | "replace" | "create" | "delete" {
  if (op === "same" || op === "read" || op === "refresh") return "none";
  if (op === "replace" || op === "create-replacement" || op === "delete-replaced") return "replace";
  if (op === "update" || op === "create" || op === "delete") return op;
  throw new Error(`unknown step op "${op}"`);
}

export const urnName = (urn: string | undefined) => (urn ? urn.slice(urn.lastIndexOf("::") + 2) : "");

export function cleanup(project: Project): void {
  fs.rmSync(project.work, { recursive: true, force: true });
}
