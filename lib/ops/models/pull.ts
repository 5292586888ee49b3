/**
 * `models pull --stack <s>`: every model file the stack uses, into its
 * modelsDir, from the commit the lock pins. A file already there is kept when
 * it passes verify (size, header, sha256); a missing or wrong one is downloaded
 * (resumable, verified, renamed into place) and checked against the lock's
 * header facts, so a lock whose facts do not describe the file fails here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { StackConfig } from "../../config/schema";
import { factsDifferences, factsOfLocked, type ModelLock } from "../../models/lock";
import { ADD_COMMAND, stackFiles } from "../../models/stack-models";
import { ChecksumMismatchError, downloadVerified, partialPath, type DownloadOptions } from "./download";
import { readLocalModelFacts } from "./header-read";
import { DEFAULT_HUB_URL, resolveUrl, type HubOptions } from "./hub";
import { localModelFiles, verifyFile } from "./verify";

export type PullStatus = "present" | "downloaded" | "replaced" | "failed";

export interface PullResult {
  file: string;
  target: string;
  status: PullStatus;
  detail: string;
  fix?: string;
}

export interface PullOptions extends HubOptions, Omit<DownloadOptions, "onProgress" | "onHashProgress" | "fetch" | "token"> {
  stack: string;
  /** Progress of a download or a checksum, per file. */
  onProgress?: (file: string, phase: "download" | "check", done: number, total: number) => void;
  /** Called when a file is done (so a progress line can be closed). */
  onFileDone?: (result: PullResult) => void;
  /** Free bytes on the filesystem of `dir` (tests fake a full disk); default statfs. */
  freeBytes?: (dir: string) => Promise<number>;
}

export async function pullModels(config: StackConfig, lock: ModelLock, options: PullOptions): Promise<PullResult[]> {
  const modelsDir = config.paths.modelsDir;
  fs.mkdirSync(modelsDir, { recursive: true });
  const results: PullResult[] = [];
  const done = (r: PullResult) => (results.push(r), options.onFileDone?.(r));
  for (const { file, entry } of stackFiles(config, lock)) {
    const target = path.join(modelsDir, file);
    if (!entry) {
      done({ file, target, status: "failed", detail: "not in models.lock.json", fix: ADD_COMMAND.replace("<file>", file) });
      continue;
    }
    let replacing = false;
    if (fs.existsSync(target)) {
      const verdict = await verifyFile(target, entry, localModelFiles, { stack: options.stack, onHashProgress: (f, d, t) => options.onProgress?.(f, "check", d, t) });
      if (verdict.status === "ok") {
        done({ file, target, status: "present", detail: verdict.detail });
        continue;
      }
      if (verdict.failed === "header" && verdict.fix?.includes("models -- add")) {
        // The file may well be right and the lock's facts wrong: do not throw away a good download.
        done({ file, target, status: "failed", detail: verdict.detail, fix: verdict.fix });
        continue;
      }
      replacing = true;
    }
    const have = fs.existsSync(partialPath(target)) ? fs.statSync(partialPath(target)).size : 0;
    const free = await (options.freeBytes ?? statfsFree)(modelsDir);
    const needed = entry.size - have;
    if (free < needed) {
      done({ file, target, status: "failed", detail: `needs ${needed} more bytes in ${modelsDir}, which has ${free} free`, fix: `free space, or point the stack elsewhere: --set paths.modelsDir=<dir>` });
      continue;
    }
    try {
      const url = resolveUrl(options.baseUrl ?? DEFAULT_HUB_URL, entry.source);
      const run = await downloadVerified(
        { url, dest: target, size: entry.size, sha256: entry.sha256 },
        { ...options, onProgress: (d, t) => options.onProgress?.(file, "download", d, t), onHashProgress: (d, t) => options.onProgress?.(file, "check", d, t) },
      );
      const how = `${run.transferred} bytes in ${run.attempts} attempt${run.attempts === 1 ? "" : "s"}${run.resumedFrom ? `, resumed at ${run.resumedFrom}` : ""}`;
      const headerProblem = entry.gguf ? await headerMismatch(target, entry.gguf) : undefined;
      if (headerProblem) {
        done({ file, target, status: "failed", detail: `downloaded and sha256-verified (${how}), but ${headerProblem}`, fix: `re-create the entry from the file: npm run models -- add ${entry.source.repo} ${entry.source.file} --revision ${entry.source.revision}` });
        continue;
      }
      done({ file, target, status: replacing ? "replaced" : "downloaded", detail: `${how}; size, sha256${entry.gguf ? " and header" : ""} match the lock` });
    } catch (error) {
      const e = error as Error;
      done({ file, target, status: "failed", detail: e.message, fix: e instanceof ChecksumMismatchError ? "check the lock entry against the hub (npm run models -- add ... re-reads it); pull again" : "run pull again (it resumes)" });
    }
  }
  return results;
}

async function headerMismatch(target: string, gguf: NonNullable<ModelLock["models"][string]["gguf"]>): Promise<string | undefined> {
  try {
    const differences = factsDifferences(factsOfLocked(gguf), await readLocalModelFacts(target));
    return differences.length ? `its GGUF header differs from the lock's facts: ${differences.join("; ")}` : undefined;
  } catch (error) {
    return `its GGUF header cannot be read: ${(error as Error).message}`;
  }
}

async function statfsFree(dir: string): Promise<number> {
  const s = await fs.promises.statfs(dir);
  return s.bavail * s.bsize;
}
