/**
 * Checks local model files against the lock: present, the locked size, a GGUF
 * header with the locked facts, the locked sha256. `models verify`, `models pull`
 * (for files already there) and `doctor` all use it. The checks stop at the
 * first failure of a file (a wrong size cannot have the right sha256).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { StackConfig } from "../../config/schema";
import { factsDifferences, factsOfLocked, isVerified, type LockedModel, type ModelLock } from "../../models/lock";
import { ADD_COMMAND, stackFiles } from "../../models/stack-models";
import type { ModelFacts } from "../../vram/model-facts";
import { partialPath, sha256File } from "./download";
import { readLocalModelFacts } from "./header-read";

/** How verify reaches the files (doctor's tests swap in their own). */
export interface ModelFiles {
  stat(file: string): Promise<{ exists: boolean; isFile: boolean; size: number }>;
  readFacts(file: string): Promise<ModelFacts>;
  sha256(file: string, onProgress?: (done: number, total: number) => void): Promise<string>;
}

export const localModelFiles: ModelFiles = {
  async stat(file) {
    try {
      const s = await fs.promises.stat(file);
      return { exists: true, isFile: s.isFile(), size: s.size };
    } catch {
      return { exists: false, isFile: false, size: 0 };
    }
  },
  readFacts: readLocalModelFacts,
  sha256: sha256File,
};

export type VerifyStatus = "ok" | "fail";

export interface FileVerdict {
  file: string;
  /** Where the file is expected. */
  target: string;
  /** The config keys that use it. */
  keys: string[];
  status: VerifyStatus;
  /** What failed, or what was confirmed. */
  detail: string;
  fix?: string;
  /** What failed first (for tests and tables). */
  failed?: "lock" | "missing" | "size" | "header" | "sha256";
}

export interface VerifyOptions {
  /** Skip the sha256 (size and header only): quick, but a same-sized corrupt file passes. */
  skipHash?: boolean;
  onHashProgress?: (file: string, done: number, total: number) => void;
  stack?: string;
}

const pullFix = (stack?: string) => `npm run models -- pull --stack ${stack ?? "<stack>"}`;

/** One file against its lock entry. */
export async function verifyFile(target: string, entry: LockedModel, files: ModelFiles, options: VerifyOptions = {}): Promise<Omit<FileVerdict, "file" | "keys">> {
  const fix = pullFix(options.stack);
  const stat = await files.stat(target);
  if (!stat.exists || !stat.isFile) {
    const partial = await files.stat(partialPath(target));
    return {
      target, status: "fail", failed: "missing",
      detail: `${stat.exists ? "not a regular file" : "missing"}${partial.exists ? ` (a partial download of ${partial.size} of ${entry.size} bytes is next to it)` : ""}`,
      fix,
    };
  }
  if (stat.size !== entry.size) {
    return { target, status: "fail", failed: "size", detail: `${stat.size} bytes, the lock says ${entry.size}: not the locked file (or an incomplete copy)`, fix: `${fix} (replaces it)` };
  }
  const confirmed: string[] = [`size ${entry.size}`];
  if (entry.gguf) {
    let facts: ModelFacts;
    try {
      facts = await files.readFacts(target);
    } catch (error) {
      return { target, status: "fail", failed: "header", detail: `not a readable GGUF header: ${(error as Error).message}`, fix: `${fix} (replaces it)` };
    }
    const differences = factsDifferences(factsOfLocked(entry.gguf), facts);
    if (differences.length) {
      const lockWrong = !isVerified(entry.provenance.gguf!);
      return {
        target, status: "fail", failed: "header",
        detail: `its GGUF header differs from the lock: ${differences.join("; ")}`,
        fix: lockWrong
          ? `the lock's facts came from the ${entry.provenance.gguf!.from}, not this file: if the file's sha256 matches, re-create the entry from its header: npm run models -- add ${entry.source.repo} ${entry.source.file} --revision ${entry.source.revision}`
          : `${fix} (replaces it)`,
      };
    }
    confirmed.push(`header (${facts.architecture}, ${facts.nLayer} layers, ${facts.tensors.length} tensors)`);
  }
  if (!options.skipHash) {
    const actual = await files.sha256(target, (done, total) => options.onHashProgress?.(path.basename(target), done, total));
    if (actual !== entry.sha256) {
      return { target, status: "fail", failed: "sha256", detail: `sha256 ${actual} does not match the lock's ${entry.sha256}`, fix: `${fix} (replaces it)` };
    }
    confirmed.push("sha256");
  }
  const unverified = (["size", "sha256", "gguf"] as const).filter((k) => entry.provenance[k] && !isVerified(entry.provenance[k]!) && (k !== "sha256" || !options.skipHash));
  const note = unverified.length ? `; this confirms the lock's ${unverified.map((k) => `${k === "gguf" ? "GGUF facts" : k} (${entry.provenance[k]!.from})`).join(", ")}` : "";
  return { target, status: "ok", detail: `matches the lock: ${confirmed.join(", ")}${note}` };
}

/** Every model file the stack uses, in its modelsDir, against the lock. */
export async function verifyStackModels(config: StackConfig, lock: ModelLock, files: ModelFiles = localModelFiles, options: VerifyOptions = {}): Promise<FileVerdict[]> {
  const verdicts: FileVerdict[] = [];
  for (const { file, keys, entry } of stackFiles(config, lock)) {
    const target = path.join(config.paths.modelsDir, file);
    if (!entry) {
      verdicts.push({ file, keys, target, status: "fail", failed: "lock", detail: "not in models.lock.json", fix: ADD_COMMAND.replace("<file>", file) });
      continue;
    }
    verdicts.push({ file, keys, ...(await verifyFile(target, entry, files, options)) });
  }
  return verdicts;
}
