/** Restoring SQLite databases from a backup, on small databases made here, through the library and the CLI. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readManifest, writeManifest } from "../../lib/ops/backup/manifest";
import { restoreSqlite } from "../../lib/ops/backup/restore";
import { runBackup } from "../../lib/ops/backup/run-backup";
import type { StackPlan } from "../../lib/plan/stack-plan";
import { tempDir } from "./support/doctor-fixtures";
import { fakeQdrant, type FakeQdrant } from "./support/fake-qdrant";
import { handBuiltService, planOf, PROJECT_DIR, withServices } from "./support/plans";
import { sqlite } from "./support/sqlite";

let qdrant: FakeQdrant;
let data: string;
let db: string;
let folder: string;

async function memoryPlan(): Promise<StackPlan> {
  const p2 = await planOf("p2");
  const bind = { hostPath: path.join(data, "memory"), containerPath: "/app/memory", readOnly: false };
  return withServices(p2, [await handBuiltService(p2, { service: "memory-api", group: "memory", env: { AI_MEMORY_DIR: "/app/memory" }, binds: [bind] })]);
}

const rows = (file: string) => sqlite(file, "", "select text from notes order by text");

beforeEach(async () => {
  data = tempDir("restore-data-");
  db = path.join(data, "memory", "projects", "default-project", "memory.db");
  fs.mkdirSync(path.dirname(db), { recursive: true });
  sqlite(db, "pragma journal_mode=wal; create table notes(text); insert into notes values ('kept'), ('also kept');");
  qdrant = await fakeQdrant({ collections: [] });
  ({ folder } = await runBackup({ source: await memoryPlan(), qdrant: { url: qdrant.url }, root: tempDir("restore-root-"), keep: 3, now: new Date("2025-02-01T00:00:00Z") }));
  // Life goes on after the backup: a row lost, a row added.
  sqlite(db, "delete from notes where text = 'kept'; insert into notes values ('after backup');");
});
afterEach(() => qdrant.close());

describe("restoreSqlite", () => {
  it("writes the backup back over the live database and keeps the previous one beside it", async () => {
    const result = await restoreSqlite({ folder, now: new Date("2025-02-02T10:00:00Z") });
    expect(result).toEqual([
      { file: "sqlite/memory-api/app/memory/projects/default-project/memory.db", target: db, status: "restored", detail: expect.stringContaining("integrity ok"), previous: `${db}.pre-restore-20250202T100000Z` },
    ]);
    expect(rows(db)).toEqual([["also kept"], ["kept"]]);
    expect(rows(`${db}.pre-restore-20250202T100000Z`)).toEqual([["after backup"], ["also kept"]]);
  });

  it("restores under another directory with --to, leaving the live database alone", async () => {
    const to = tempDir("restore-to-");
    const [row] = await restoreSqlite({ folder, to });
    expect(row!.target).toBe(path.join(to, "memory-api", "app", "memory", "projects", "default-project", "memory.db"));
    expect(row!.previous).toBeUndefined();
    expect(rows(row!.target)).toEqual([["also kept"], ["kept"]]);
    expect(rows(db)).toEqual([["after backup"], ["also kept"]]);
  });

  it("refuses a damaged copy and leaves the database untouched", async () => {
    const entry = readManifest(folder).files.find((f) => f.kind === "sqlite")!;
    fs.appendFileSync(path.join(folder, entry.path), "garbage");
    const [row] = await restoreSqlite({ folder });
    expect(row).toMatchObject({ status: "failed", target: db });
    expect(row!.detail).toContain("damaged");
    expect(rows(db)).toEqual([["after backup"], ["also kept"]]);
  });

  it("refuses an incomplete backup", async () => {
    const manifest = readManifest(folder);
    writeManifest(folder, { ...manifest, complete: false, error: "Qdrant refused POST /snapshots" });
    await expect(restoreSqlite({ folder })).rejects.toThrow("incomplete backup (Qdrant refused POST /snapshots)");
  });
});

describe("npm run restore", () => {
  it("restores into --to and prints the table; refuses a backup of another stack", () => {
    const to = tempDir("restore-cli-");
    const run = (stack: string) => spawnSync("npx", ["tsx", "scripts/restore.ts", "--stack", stack, "--from", folder, "--to", to], { cwd: PROJECT_DIR, encoding: "utf8" });
    const ok = run("p2");
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("RESTORED");
    expect(ok.stdout).toContain(path.join(to, "memory-api"));
    const wrong = run("p3");
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("is a backup of stack p2, not p3");
  });
});
