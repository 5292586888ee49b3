/**
 * Which SQLite databases a backup copies: every database file under the
 * writable host directories that the memory and MCP services mount (the
 * memory projects' memory.db, MCP's security.db), found from the plan's binds
 * rather than from hard-coded paths.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ServiceGroup } from "../../plan/service-spec";
import type { StackPlan } from "../../plan/stack-plan";

export const SQLITE_GROUPS: ServiceGroup[] = ["memory", "mcp"];

/** Deep enough for `<memory dir>/projects/<project id>/memory.db`. */
const MAX_DEPTH = 4;
const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

export interface SqliteSource {
  service: string;
  /** Host path of the database file. */
  hostPath: string;
  /** Where the copy goes inside the backup folder. */
  backupPath: string;
}

export interface SqliteDiscovery {
  sources: SqliteSource[];
  /** Mounted directories that did not exist (nothing to back up there yet). */
  missingDirs: string[];
}

export function findSqliteSources(plan: StackPlan, groups: ServiceGroup[] = SQLITE_GROUPS): SqliteDiscovery {
  const seen = new Set<string>();
  const sources: SqliteSource[] = [];
  const missingDirs: string[] = [];
  for (const spec of plan.services.filter((s) => groups.includes(s.group))) {
    for (const bind of spec.binds.filter((b) => !b.readOnly)) {
      if (!fs.existsSync(bind.hostPath)) {
        if (!missingDirs.includes(bind.hostPath)) missingDirs.push(bind.hostPath);
        continue;
      }
      if (!fs.statSync(bind.hostPath).isDirectory()) continue; // e.g. a socket
      for (const file of sqliteFilesUnder(bind.hostPath)) {
        const real = fs.realpathSync(file);
        if (seen.has(real)) continue; // memory-api and memory-maintainer share the memory dir
        seen.add(real);
        const inContainer = path.posix.join(bind.containerPath, path.relative(bind.hostPath, file).split(path.sep).join("/"));
        sources.push({ service: spec.service, hostPath: file, backupPath: path.posix.join("sqlite", spec.service, inContainer) });
      }
    }
  }
  return { sources, missingDirs };
}

function sqliteFilesUnder(dir: string, depth = 0): string[] {
  if (depth > MAX_DEPTH) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sqliteFilesUnder(full, depth + 1);
    return entry.isFile() && isSqliteFile(full) ? [full] : [];
  });
}

export function isSqliteFile(file: string): boolean {
  const header = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = fs.openSync(file, "r");
  try {
    return fs.readSync(fd, header, 0, header.length, 0) === header.length && header.equals(SQLITE_MAGIC);
  } finally {
    fs.closeSync(fd);
  }
}
