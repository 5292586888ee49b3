/** Real SQLite databases for backup/restore tests, through python3's sqlite3 (the same engine the backup uses). */
import { spawn, spawnSync } from "node:child_process";

const PYTHON = process.env.PYTHON ?? "python3";

/** Runs `sql` (a script) on `db`, then returns the rows of `query` when given. */
export function sqlite(db: string, sql: string, query?: string): unknown[][] {
  const code = `import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript(sys.argv[2])
print(json.dumps(c.execute(sys.argv[3]).fetchall() if sys.argv[3] else []))
c.close()`;
  const r = spawnSync(PYTHON, ["-c", code, db, sql, query ?? ""], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sqlite helper failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[][];
}

/**
 * A writer that keeps its connection open: committed rows stay in the WAL
 * (no checkpoint), and one more row sits in an open, uncommitted transaction.
 * A plain copy of the main file would miss the committed WAL rows.
 */
export async function openWalWriter(db: string, committed: string[], uncommitted: string): Promise<{ stop: () => Promise<void> }> {
  const code = `import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("pragma journal_mode=wal")
c.execute("pragma wal_autocheckpoint=0")
c.execute("create table if not exists notes(text)")
for t in sys.argv[3:]:
    c.execute("insert into notes values (?)", (t,))
c.execute("begin immediate")
c.execute("insert into notes values (?)", (sys.argv[2],))
print("ready", flush=True)
sys.stdin.read()
c.execute("rollback")`;
  const child = spawn(PYTHON, ["-c", code, db, uncommitted, ...committed], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
    child.on("exit", (code) => reject(new Error(`writer exited early (${code})`)));
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners("exit");
        child.on("exit", () => resolve());
        child.stdin.end();
      }),
  };
}
