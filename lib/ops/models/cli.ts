/**
 * `npm run models -- <add|pull|verify> ...` (scripts/models.ts is the entry):
 *
 *   add <hf-repo> <file> [--revision R]   read the GGUF header over HTTP ranges, write the lock entry
 *   pull --stack <s>                      download every missing or wrong model file of the stack
 *   verify --stack <s> [--quick]          size, header and sha256 of every local model file against the lock
 *
 * Common: --lock <file> (default <project-dir>/models.lock.json), --project-dir <dir>,
 * --base-url <url> (default https://huggingface.co), --set key.path=value (stack config overrides).
 * Exit 0 when everything is fine, 1 when a file failed, 2 on bad usage or config.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../../config/errors";
import { loadStackFile } from "../../config/load";
import type { StackConfig } from "../../config/schema";
import { ModelLockError, type ModelLock } from "../../models/lock";
import type { ProgressStream } from "../progress";
import { renderTable } from "../table";
import { addModel } from "./add";
import { DEFAULT_HUB_URL, HubError, type Fetch } from "./hub";
import { lockFilePath, readLockFile } from "./lock-file";
import { pullModels } from "./pull";
import { formatBytes, progressBar, type ProgressBar } from "./transfer-progress";
import { verifyStackModels } from "./verify";

export const MODELS_USAGE = [
  "usage: npm run models -- add <hf-repo> <file> [--revision R]",
  "       npm run models -- pull --stack <name>",
  "       npm run models -- verify --stack <name> [--quick] [--json]",
  "  flags: --lock <file> (default: <project-dir>/models.lock.json), --project-dir <dir> (default: cwd),",
  `         --base-url <url> (default: ${DEFAULT_HUB_URL}), --set key.path=value (override stack config, repeatable)`,
  "  HF_TOKEN, if set, is sent for gated or private repositories.",
].join("\n");

export interface ModelsCliIo {
  stdout: ProgressStream;
  stderr: ProgressStream;
  cwd?: string;
  fetch?: Fetch;
  /** Download tuning for tests (a slow or dropping server). */
  download?: { stallTimeoutMs?: number; retryDelayMs?: number; retries?: number };
}

export async function runModelsCli(argv: string[], io: ModelsCliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr.write(`error: ${(error as Error).message}\n${MODELS_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${MODELS_USAGE}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  const projectDir = path.resolve(io.cwd ?? process.cwd(), values["project-dir"] ?? ".");
  const lockFile = lockFilePath(projectDir, values.lock && path.resolve(io.cwd ?? process.cwd(), values.lock));
  const baseUrl = values["base-url"] ?? DEFAULT_HUB_URL;
  const usage = (message: string) => (io.stderr.write(`error: ${message}\n${MODELS_USAGE}\n`), 2);
  try {
    if (command === "add") {
      if (rest.length !== 2) return usage("add takes <hf-repo> <file>");
      return await add(rest[0]!, rest[1]!, values.revision, lockFile, baseUrl, io);
    }
    if (command === "pull" || command === "verify") {
      if (rest.length) return usage(`${command} takes no positional arguments (got ${rest.join(" ")})`);
      if (!values.stack) return usage(`${command} needs --stack <name>`);
      const config = loadStackFile(values.stack, projectDir, values.set ?? []);
      const lock = readLockFile(lockFile);
      return command === "pull" ? await pull(values.stack, config, lock, baseUrl, io) : await verify(values.stack, config, lock, values.quick ?? false, values.json ?? false, io);
    }
    return usage(command ? `unknown command "${command}"` : "no command");
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ModelLockError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof HubError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      stack: { type: "string" },
      "project-dir": { type: "string" },
      lock: { type: "string" },
      "base-url": { type: "string" },
      revision: { type: "string" },
      set: { type: "string", multiple: true },
      quick: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

async function add(repo: string, file: string, revision: string | undefined, lockFile: string, baseUrl: string, io: ModelsCliIo): Promise<number> {
  const result = await addModel({ repo, file, revision, lockFile, baseUrl, fetch: io.fetch });
  const e = result.entry;
  const g = e.gguf!;
  io.stdout.write(
    [
      `${result.replaced ? "replaced" : "added"} ${result.name} in ${lockFile}`,
      `  source   ${e.source.repo} ${e.source.file} @ ${e.source.revision}${revision && revision !== e.source.revision ? ` (${revision})` : ""}`,
      `  size     ${e.size} bytes (${formatBytes(e.size)})`,
      `  sha256   ${e.sha256}`,
      `  gguf     ${g.architecture}, ${g.nLayer} layers, n_embd ${g.nEmbd}, heads ${g.nHead}/${g.nHeadKv}, vocab ${g.nVocab}, ctx ${g.nCtxTrain}, ${g.tensorCount} tensors`,
      `  header   ${result.headerBytes} bytes; read ${result.bytesRead} bytes (${formatBytes(result.bytesRead)}) in ${result.reads} range requests, no tensor data`,
      ...(result.replaced && result.replaced.sha256 !== e.sha256 ? [`  was      ${result.replaced.source.repo} @ ${result.replaced.source.revision}, sha256 ${result.replaced.sha256}`] : []),
      "Review and commit the lock; then `npm run models -- pull --stack <name>` fetches the file.",
    ].join("\n") + "\n",
  );
  return 0;
}

async function pull(stack: string, config: StackConfig, lock: ModelLock, baseUrl: string, io: ModelsCliIo): Promise<number> {
  const bars = new Map<string, ProgressBar>();
  const barFor = (file: string, phase: string, total: number) => {
    const key = `${file} ${phase}`;
    let bar = bars.get(key);
    if (!bar) {
      bar = progressBar(phase === "check" ? `${file} (sha256)` : file, total, { stream: io.stderr });
      bars.set(key, bar);
    }
    return bar;
  };
  io.stdout.write(`Pulling the models of stack ${stack} into ${config.paths.modelsDir}\n`);
  const results = await pullModels(config, lock, {
    stack,
    baseUrl,
    fetch: io.fetch,
    ...io.download,
    onEvent: (text) => io.stderr.write(`${text}\n`),
    onProgress: (file, phase, done, total) => barFor(file, phase, total).update(done),
    onFileDone: (r) => {
      for (const [key, bar] of bars) if (key.startsWith(`${r.file} `)) (bar.finish(`${r.file}: ${r.status}`), bars.delete(key));
    },
  });
  io.stdout.write(`${renderTable(["model", "status", "detail"], results.map((r) => [r.file, r.status, r.fix ? `${r.detail}\nfix: ${r.fix}` : r.detail]))}\n`);
  return results.some((r) => r.status === "failed") ? 1 : 0;
}

async function verify(stack: string, config: StackConfig, lock: ModelLock, quick: boolean, json: boolean, io: ModelsCliIo): Promise<number> {
  const bars = new Map<string, ProgressBar>();
  const verdicts = await verifyStackModels(config, lock, undefined, {
    stack,
    skipHash: quick,
    onHashProgress: (file, done, total) => {
      const bar = bars.get(file) ?? progressBar(`${file} (sha256)`, total, { stream: io.stderr });
      bars.set(file, bar);
      bar.update(done);
      if (done >= total) (bar.finish(`${file}: hashed`), bars.delete(file));
    },
  });
  if (json) io.stdout.write(`${JSON.stringify({ stack, verdicts }, null, 2)}\n`);
  else {
    io.stdout.write(`Models of stack ${stack} in ${config.paths.modelsDir}${quick ? " (quick: no sha256)" : ""}:\n`);
    io.stdout.write(`${renderTable(["model", "status", "detail"], verdicts.map((v) => [v.file, v.status.toUpperCase(), v.fix ? `${v.detail}\nfix: ${v.fix}` : v.detail]))}\n`);
  }
  return verdicts.every((v) => v.status === "ok") ? 0 : 1;
}
