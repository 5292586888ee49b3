/**
 * Restoring the SQLite databases of a backup: each copy is checked against its
 * manifest sha256, the current database is first saved next to itself, and the
 * copy is written back through the SQLite backup API (never a file copy over a
 * database that might have a WAL or an open connection).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileDigest } from "./file-digest";
import { readManifest, type BackupFile } from "./manifest";
import { backupStamp } from "./retention";
import { sqliteOnlineCopy } from "./sqlite-online-copy";

export interface RestoreOptions {
  folder: string;
  /** Restore under this directory (mirroring the backup's sqlite/ layout) instead of to the original host paths. */
  to?: string;
  now?: Date;
  python?: string;
}

export interface RestoreRow {
  file: string;
  target: string;
  status: "restored" | "failed";
  detail: string;
  /** Where the database that was there before is kept. */
  previous?: string;
}

export async function restoreSqlite(options: RestoreOptions): Promise<RestoreRow[]> {
  const manifest = readManifest(options.folder);
  if (!manifest.complete)
    throw new Error(`${options.folder} is an incomplete backup (${manifest.error ?? "no error recorded"}); pick another`);
  const stamp = backupStamp(options.now ?? new Date());
  const rows: RestoreRow[] = [];
  for (const entry of manifest.files.filter((f) => f.kind === "sqlite")) {
    const target = targetOf(entry, options.to);
    try {
      rows.push({ file: entry.path, target, ...(await restoreOne(options, entry, target, stamp)) });
    } catch (error) {
      rows.push({ file: entry.path, target, status: "failed", detail: (error as Error).message });
    }
  }
  return rows;
}

function targetOf(entry: BackupFile, to: string | undefined): string {
  if (to) return path.join(to, ...entry.path.split("/").slice(1));
  if (!entry.source) throw new Error(`manifest entry ${entry.path} has no source path; restore it with --to <dir>`);
  return entry.source;
}

async function restoreOne(
  options: RestoreOptions,
  entry: BackupFile,
  target: string,
  stamp: string,
): Promise<Omit<RestoreRow, "file" | "target">> {
  const copy = path.join(options.folder, ...entry.path.split("/"));
  const digest = await fileDigest(copy);
  if (digest.sha256 !== entry.sha256 || digest.size !== entry.size) {
    return {
      status: "failed",
      detail: `backup copy is damaged (sha256 ${digest.sha256.slice(0, 12)}, manifest ${entry.sha256.slice(0, 12)}); nothing changed`,
    };
  }
  let previous: string | undefined;
  if (fs.existsSync(target)) {
    previous = `${target}.pre-restore-${stamp}`;
    await sqliteOnlineCopy(target, previous, "new", options.python);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const { pages } = await sqliteOnlineCopy(copy, target, "replace", options.python);
  return { status: "restored", detail: `${pages} pages, integrity ok`, previous };
}
