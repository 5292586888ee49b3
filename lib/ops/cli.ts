/** What every `npm run <task>` entry point shares: flag parsing, stack loading and exit codes. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError } from "../config/errors";
import { ModelLockError } from "../models/lock";
import type { StackPlan, StackSecrets } from "../plan/stack-plan";
import { pulumiOutputsReader, resolveEndpoints, type ResolvedEndpoints } from "./endpoints";
import { loadStack, type LoadedStack } from "./stack";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

type Options = NonNullable<ParseArgsConfig["options"]>;

const COMMON: Options = {
  stack: { type: "string" },
  "project-dir": { type: "string" },
  lock: { type: "string" },
  set: { type: "string", multiple: true },
  from: { type: "string" },
  help: { type: "boolean", short: "h" },
};

export interface CommonArgs {
  stack: string;
  projectDir: string;
  sets: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

/** A string flag's value, or the fallback. */
export function stringFlag(args: CommonArgs, name: string, fallback: string): string;
export function stringFlag(args: CommonArgs, name: string): string | undefined;
export function stringFlag(args: CommonArgs, name: string, fallback?: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : fallback;
}

/** A positive integer flag; exits 2 on anything else. */
export function intFlag(args: CommonArgs, name: string, fallback: number): number {
  const v = stringFlag(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`error: --${name} must be a positive whole number, got "${v}"\n`);
    process.exit(EXIT.usage);
  }
  return n;
}

/** Parses argv; prints usage and exits 2 on a bad or missing flag. */
export function parseTaskArgs(task: string, usage: string, extra: Options = {}, argv = process.argv.slice(2)): CommonArgs {
  let values: CommonArgs["values"];
  try {
    values = parseArgs({ args: argv, options: { ...COMMON, ...extra }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return usageExit(task, usage, (error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${usageText(task, usage)}\n`);
    process.exit(EXIT.ok);
  }
  if (typeof values.stack !== "string" || !values.stack) return usageExit(task, usage, "--stack is required");
  return {
    stack: values.stack,
    projectDir: typeof values["project-dir"] === "string" ? values["project-dir"] : process.cwd(),
    sets: (values.set as string[] | undefined) ?? [],
    values,
  };
}

/** Loads and plans the stack; a config or model-lock problem is printed with its fix and exits 2. */
export async function loadStackOrExit(args: CommonArgs, secrets: Partial<StackSecrets> = {}): Promise<LoadedStack> {
  try {
    return loadStack(args.stack, args.projectDir, args.sets, secrets, stringFlag(args, "lock"));
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError || error instanceof ModelLockError ? error.message : `error: ${(error as Error).message}`}\n`);
    process.exit(EXIT.usage);
  }
}

/** Service URLs per `--from config|outputs|auto` (auto: the stack outputs when the pulumi CLI has them, else the config). */
export async function endpointsOrExit(args: CommonArgs, plan: StackPlan, from = stringFlag(args, "from", "auto")): Promise<ResolvedEndpoints> {
  if (!["config", "outputs", "auto"].includes(from)) {
    process.stderr.write(`error: --from must be config, outputs or auto, got "${from}"\n`);
    process.exit(EXIT.usage);
  }
  const reader = from === "config" ? async () => ({ reason: "--from config" }) : pulumiOutputsReader(args.projectDir);
  const endpoints = await resolveEndpoints(plan, reader);
  if (from === "outputs" && endpoints.source !== "stack outputs") {
    process.stderr.write(`error: --from outputs, but ${endpoints.note}\n`);
    process.exit(EXIT.usage);
  }
  return endpoints;
}

function usageText(task: string, usage: string): string {
  return `usage: npm run ${task} -- --stack <name> ${usage}\n  common flags: --project-dir <dir> (default: cwd), --set key.path=value (override stack config, repeatable), --lock <file> (default: <project-dir>/models.lock.json),\n  --from config|outputs|auto (where service URLs come from; default auto: stack outputs if deployed, else config)`;
}

function usageExit(task: string, usage: string, message: string): never {
  process.stderr.write(`error: ${message}\n${usageText(task, usage)}\n`);
  process.exit(EXIT.usage);
}
