/**
 * Which SQLite databases a backup copies: the ones the services name through
 * the reference's environment variables (MCP's SECURITY_DB_PATH, the memory
 * services' AI_MEMORY_DIR with projects/<id>/memory.db), mapped to host paths
 * through each service's binds. Nothing is hard-coded to a host path, and
 * other writable mounts (the MCP workspace, say) are never searched.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SECURITY_DB_ENV } from "../../plan/mcp";
import { MEMORY_DIR_ENV } from "../../plan/memory";
import type { ServiceSpec } from "../../plan/service-spec";

/** The env vars through which a service names its SQLite database file, or a directory of them. */
export const DATABASE_ENV: { env: string; kind: "file" | "dir" }[] = [
  { env: SECURITY_DB_ENV, kind: "file" },
  { env: MEMORY_DIR_ENV, kind: "dir" },
];

/** Deep enough for `<memory dir>/projects/<project id>/memory.db`. */
const MAX_DEPTH = 4;
const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");
/** Database names only: skips restore's `*.db.pre-restore-<stamp>` copies and other side files. */
const DATABASE_FILE = /\.(db|sqlite3?)$/;

export interface SqliteSource {
  service: string;
  /** Host path of the database file. */
  hostPath: string;
  /** Where the copy goes inside the backup folder: sqlite/<service>/<path in the container>. */
  backupPath: string;
}

export interface SqliteDiscovery {
  sources: SqliteSource[];
  /** Host paths a service names that do not exist yet (nothing to back up there). */
  missing: string[];
}

/** What discovery reads of a service: its name, env and binds (a planned spec, or a running container's). */
export type DataService = Pick<ServiceSpec, "service" | "env" | "binds">;

/** The services that own databases (they must be stopped before a restore). */
export function databaseOwners<S extends DataService>(from: { services: S[] }): S[] {
  return from.services.filter((s) => DATABASE_ENV.some((d) => s.env[d.env]));
}

/** Host path of a container path, through the service's binds. */
export function hostPathOf(spec: DataService, containerPath: string): string | undefined {
  const bind = [...spec.binds]
    .sort((a, b) => b.containerPath.length - a.containerPath.length)
    .find((b) => containerPath === b.containerPath || containerPath.startsWith(`${b.containerPath}/`));
  return bind && path.join(bind.hostPath, path.posix.relative(bind.containerPath, containerPath));
}

export function findSqliteSources(from: { services: DataService[] }): SqliteDiscovery {
  const seen = new Set<string>();
  const sources: SqliteSource[] = [];
  const missing: string[] = [];
  for (const spec of databaseOwners(from)) {
    for (const { env, kind } of DATABASE_ENV) {
      const inContainer = spec.env[env];
      const onHost = inContainer && hostPathOf(spec, inContainer);
      if (!inContainer || !onHost) continue; // not on a mount: nothing survives the container anyway
      if (!fs.existsSync(onHost)) {
        if (!missing.includes(onHost)) missing.push(onHost);
        continue;
      }
      const files = kind === "file" ? [onHost] : sqliteFilesUnder(onHost);
      for (const file of files) {
        const real = fs.realpathSync(file);
        if (seen.has(real)) continue; // memory-api and memory-maintainer share the memory dir
        seen.add(real);
        const containerFile = kind === "file" ? inContainer : path.posix.join(inContainer, path.relative(onHost, file).split(path.sep).join("/"));
        sources.push({ service: spec.service, hostPath: file, backupPath: path.posix.join("sqlite", spec.service, containerFile) });
      }
    }
  }
  return { sources, missing };
}

function sqliteFilesUnder(dir: string, depth = 0): string[] {
  if (depth > MAX_DEPTH) return [];
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sqliteFilesUnder(full, depth + 1);
    return entry.isFile() && DATABASE_FILE.test(entry.name) && isSqliteFile(full) ? [full] : [];
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
