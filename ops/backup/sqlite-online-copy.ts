/**
 * A consistent copy of a live SQLite database through SQLite's online backup
 * API, run by Python's standard library (`sqlite3.Connection.backup`). Node 20
 * has no built-in SQLite, and a native addon would have to compile from source
 * on every `npm ci`; python3 is on every machine this stack runs on.
 */
import { runCommand } from "../run-command";

/**
 * argv: source, destination, "new" (destination must not exist) or "replace".
 * Opens the source without creating it (rw, else ro for a database owned by
 * another user), copies every page under one read lock, leaves the copy as a
 * single file (journal_mode=DELETE) and checks its integrity.
 */
const SCRIPT = String.raw`
import json, os, pathlib, sqlite3, sys
src_path, dst_path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
if not os.path.isfile(src_path):
    sys.exit(f"no database at {src_path}")
if mode == "new" and os.path.exists(dst_path):
    sys.exit(f"{dst_path} already exists")
uri = pathlib.Path(src_path).resolve().as_uri()
try:
    src = sqlite3.connect(uri + "?mode=rw", uri=True)
    src.execute("select count(*) from sqlite_master").fetchone()
except sqlite3.Error:
    src = sqlite3.connect(uri + "?mode=ro", uri=True)
dst = sqlite3.connect(dst_path)
src.backup(dst)
dst.execute("pragma journal_mode=delete")
check = dst.execute("pragma integrity_check").fetchone()[0]
pages = dst.execute("pragma page_count").fetchone()[0]
dst.close(); src.close()
print(json.dumps({"integrity": check, "pages": pages}))
sys.exit(0 if check == "ok" else 3)
`;

export interface OnlineCopyResult {
  pages: number;
}

export function pythonBinary(): string {
  return process.env.PYTHON ?? "python3";
}

export async function sqliteOnlineCopy(
  source: string,
  destination: string,
  mode: "new" | "replace",
  python = pythonBinary(),
): Promise<OnlineCopyResult> {
  const run = await runCommand(python, ["-c", SCRIPT, source, destination, mode], { timeoutMs: 30 * 60_000 });
  if (run.notFound)
    throw new Error(
      `${python} is not installed; the SQLite backup runs through Python's sqlite3 module (set PYTHON to another interpreter)`,
    );
  const out = (() => {
    try {
      return JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as { integrity: string; pages: number };
    } catch {
      return undefined;
    }
  })();
  if (!run.ok || !out)
    throw new Error(
      `SQLite copy ${source} -> ${destination} failed: ${out ? `integrity_check says ${out.integrity}` : run.stderr.trim().split("\n").pop()}`,
    );
  return { pages: out.pages };
}
