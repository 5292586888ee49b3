/** backup against a fake Qdrant on 127.0.0.1 and real SQLite databases found through the plan's binds. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readManifest } from "../../ops/backup/manifest";
import { QdrantError } from "../../ops/backup/qdrant-snapshots";
import { backupFolderName, backupStamp, expiredBackups } from "../../ops/backup/retention";
import { runBackup } from "../../ops/backup/run-backup";
import { findSqliteSources, hostPathOf } from "../../ops/backup/sqlite-sources";
import type { StackPlan } from "../../lib/plan/stack-plan";
import { tempDir } from "./support/doctor-fixtures";
import { fakeQdrant, type FakeQdrant } from "./support/fake-qdrant";
import { handBuiltService, planOf, withServices } from "./support/plans";
import { closedPorts } from "./support/stand-in";
import { openWalWriter, sqlite } from "./support/sqlite";

const NOW = new Date("2025-01-31T03:00:05.250Z");
const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

let qdrant: FakeQdrant | undefined;
let data: string;
let root: string;
afterEach(async () => {
  await qdrant?.close();
  qdrant = undefined;
});
beforeEach(() => {
  data = tempDir("backup-data-");
  root = path.join(tempDir("backup-root-"), "backups");
});

/**
 * p2 plus memory and MCP services as p3 plans them: memory-api and memory-maintainer
 * share the memory dir; MCP also mounts a writable workspace that is not searched.
 */
async function p3LikePlan(): Promise<StackPlan> {
  const p2 = await planOf("p2");
  const memoryBind = { hostPath: path.join(data, "memory"), containerPath: "/app/memory", readOnly: false };
  const mcpBind = { hostPath: path.join(data, "mcp"), containerPath: "/data/sqlite", readOnly: false };
  const workspace = { hostPath: path.join(data, "workspace"), containerPath: "/mnt/workspace", readOnly: false };
  const memoryEnv = { AI_MEMORY_DIR: "/app/memory" };
  return withServices(p2, [
    await handBuiltService(p2, {
      service: "memory-api",
      group: "memory",
      env: memoryEnv,
      binds: [memoryBind],
      dependsOn: ["qdrant"],
      port: { internal: 8005, external: 8005 },
    }),
    await handBuiltService(p2, {
      service: "memory-maintainer",
      group: "memory",
      env: memoryEnv,
      binds: [memoryBind],
      dependsOn: ["memory-api"],
    }),
    await handBuiltService(p2, {
      service: "mcp-server",
      group: "mcp",
      binds: [workspace, mcpBind],
      dependsOn: ["rag"],
      port: { internal: 8020, external: 8020 },
      env: { WORKSPACE_DIR: "/mnt/workspace", SECURITY_DB_PATH: "/data/sqlite/security.db" },
    }),
  ]);
}

function createDatabases(): { live: string; other: string; security: string } {
  const live = path.join(data, "memory", "projects", "default-project", "memory.db");
  const other = path.join(data, "memory", "projects", "second", "memory.db");
  const security = path.join(data, "mcp", "security.db");
  for (const f of [live, other, security]) fs.mkdirSync(path.dirname(f), { recursive: true });
  sqlite(other, "create table notes(text); insert into notes values ('second project');");
  sqlite(security, "create table audit(event); insert into audit values ('login'), ('tool call');");
  fs.writeFileSync(path.join(data, "memory", "README.txt"), "not a database");
  sqlite(`${other}.pre-restore-20250101T000000Z`, "create table t(x);");
  // Databases no service names: another service's cache beside security.db, and one in the MCP workspace.
  sqlite(path.join(data, "mcp", "rag_analytics.db"), "create table t(x);");
  fs.mkdirSync(path.join(data, "workspace"), { recursive: true });
  sqlite(path.join(data, "workspace", "project.db"), "create table t(x);");
  return { live, other, security };
}

describe("finding the SQLite databases from the plan", () => {
  it("takes the databases the memory and MCP services name, once each, mapped through their binds", async () => {
    const dbs = createDatabases();
    sqlite(dbs.live, "create table notes(text);");
    const { sources, missing } = findSqliteSources(await p3LikePlan());
    expect(sources.map((s) => s.hostPath).sort()).toEqual([dbs.live, dbs.other, dbs.security].sort());
    expect(sources.find((s) => s.hostPath === dbs.live)).toMatchObject({
      service: "memory-api",
      backupPath: "sqlite/memory-api/app/memory/projects/default-project/memory.db",
    });
    expect(sources.find((s) => s.hostPath === dbs.security)).toMatchObject({
      service: "mcp-server",
      backupPath: "sqlite/mcp-server/data/sqlite/security.db",
    });
    expect(missing).toEqual([]);
  });

  it("p2 has no memory or MCP databases; paths that do not exist yet are reported, not an error", async () => {
    expect(findSqliteSources(await planOf("p2"))).toEqual({ sources: [], missing: [] });
    expect(findSqliteSources(await p3LikePlan()).missing).toEqual([path.join(data, "memory"), path.join(data, "mcp", "security.db")]);
  });

  it("the real p3 plan: memory projects' memory.db and MCP's security.db under dataDir", async () => {
    const workspace = tempDir("backup-workspace-");
    const plan = await planOf("p3", [`paths.dataDir=${data}`, `mcp.workspaceDir=${workspace}`, `memory.scriptsDir=${workspace}`]);
    const owners = plan.services.filter((s) => ["memory-api", "memory-maintainer", "mcp-server"].includes(s.service));
    expect(owners).toHaveLength(3);
    const memoryDir = hostPathOf(
      owners.find((s) => s.service === "memory-api")!,
      "/app/memory",
    )!;
    const securityDb = hostPathOf(
      owners.find((s) => s.service === "mcp-server")!,
      owners.find((s) => s.service === "mcp-server")!.env.SECURITY_DB_PATH!,
    )!;
    expect(memoryDir.startsWith(data)).toBe(true);
    expect(securityDb.startsWith(data)).toBe(true);
    const memoryDb = path.join(memoryDir, "projects", "default-project", "memory.db");
    for (const f of [memoryDb, securityDb]) {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      sqlite(f, "create table t(x);");
    }
    sqlite(path.join(workspace, "not-ours.db"), "create table t(x);");
    expect(
      findSqliteSources(plan)
        .sources.map((s) => s.hostPath)
        .sort(),
    ).toEqual([memoryDb, securityDb].sort());
  });
});

describe("backup", () => {
  it("snapshots every collection and the full storage, copies each database consistently, and writes the manifest", async () => {
    const dbs = createDatabases();
    // Committed rows still in the WAL, plus an open uncommitted transaction, while the backup runs.
    const writer = await openWalWriter(dbs.live, ["committed-1", "committed-2"], "uncommitted");
    qdrant = await fakeQdrant({ collections: ["myproj", "memory_default-"] });
    let result;
    try {
      result = await runBackup({ source: await p3LikePlan(), qdrant: { url: qdrant.url }, root, keep: 7, now: NOW });
      // Why not a file copy: while the writer is open, the committed rows are only in the WAL, not in memory.db itself.
      expect(fs.readFileSync(dbs.live).includes("committed-1")).toBe(false);
    } finally {
      await writer.stop();
    }
    const { folder, manifest } = result;
    expect(folder).toBe(path.join(root, "p2-20250131T030005Z"));
    expect(fs.existsSync(`${folder}.partial`)).toBe(false);
    expect(readManifest(folder)).toEqual(manifest);
    expect(manifest).toMatchObject({
      format: 1,
      stack: "p2",
      phase: "p2",
      createdAt: NOW.toISOString(),
      complete: true,
      qdrant: { url: qdrant.url, collections: ["memory_default-", "myproj"] },
    });

    expect(manifest.files.map((f) => [f.kind, f.collection ?? f.source ?? "full"])).toEqual([
      ["qdrant-collection", "memory_default-"],
      ["qdrant-collection", "myproj"],
      ["qdrant-full", "full"],
      ...[dbs.live, dbs.other, dbs.security].map((db) => ["sqlite", db]),
    ]);
    for (const f of manifest.files) {
      const file = path.join(folder, f.path);
      expect(fs.statSync(file).size).toBe(f.size);
      expect(sha256(file)).toBe(f.sha256);
      if (f.snapshot) expect(fs.readFileSync(file).equals(qdrant.created.get(f.snapshot)!)).toBe(true);
    }
    // Private whatever the umask: every directory 0700, every file 0600.
    const modes = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        const mode = (fs.statSync(full).mode & 0o777).toString(8);
        return e.isDirectory() ? [`d${mode}`, ...modes(full)] : [`f${mode}`];
      });
    expect(new Set([`d${(fs.statSync(root).mode & 0o777).toString(8)}`, ...modes(root)])).toEqual(new Set(["d700", "f600"]));
    // Copied out, then removed from Qdrant's own snapshot dir.
    expect(qdrant.stored()).toEqual([]);
    expect(qdrant.seen.filter((r) => r.startsWith("DELETE"))).toHaveLength(3);

    const copy = path.join(folder, manifest.files.find((f) => f.source === dbs.live)!.path);
    expect(sqlite(copy, "", "select text from notes order by text")).toEqual([["committed-1"], ["committed-2"]]);
    expect(sqlite(copy, "", "pragma journal_mode")).toEqual([["delete"]]);
    const security = path.join(folder, manifest.files.find((f) => f.source === dbs.security)!.path);
    expect(sqlite(security, "", "select count(*) from audit")).toEqual([[2]]);
  });

  it("keeps the newest N backups of the stack and leaves other folders alone", async () => {
    qdrant = await fakeQdrant({ collections: ["myproj"] });
    const older = ["p2-20240101T000000Z", "p2-20240201T000000Z", "p2-20240301T000000Z"];
    const others = ["p3-20230101T000000Z", "p2-20230101T000000Z.partial", "notes"];
    for (const name of [...older, ...others]) fs.mkdirSync(path.join(root, name), { recursive: true });
    const { pruned } = await runBackup({
      source: await planOf("p2"),
      qdrant: { url: qdrant.url },
      root,
      keep: 2,
      now: NOW,
      keepServerSnapshots: true,
    });
    expect(pruned.sort()).toEqual(["p2-20240101T000000Z", "p2-20240201T000000Z"]);
    expect(fs.readdirSync(root).sort()).toEqual([
      "notes",
      "p2-20230101T000000Z.partial",
      "p2-20240301T000000Z",
      "p2-20250131T030005Z",
      "p3-20230101T000000Z",
    ]);
    expect(qdrant.stored()).toHaveLength(2);
  });

  it("with Qdrant down, fails naming Qdrant and writes nothing", async () => {
    const [port] = await closedPorts(1);
    const error = await runBackup({
      source: await planOf("p2"),
      qdrant: { url: `http://127.0.0.1:${port}` },
      root,
      keep: 7,
      now: NOW,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QdrantError);
    expect((error as Error).message).toBe(
      `Qdrant at http://127.0.0.1:${port} is not reachable (GET /collections): connection refused (not running?)`,
    );
    expect(fs.existsSync(root)).toBe(false);
  });

  it("a failing step leaves only a .partial folder whose manifest records the error", async () => {
    qdrant = await fakeQdrant({ collections: ["myproj"], failOn: ["POST /snapshots"] });
    await expect(runBackup({ source: await planOf("p2"), qdrant: { url: qdrant.url }, root, keep: 7, now: NOW })).rejects.toThrow(
      "Qdrant refused POST /snapshots?wait=true: HTTP 500",
    );
    const name = backupFolderName("p2", NOW);
    expect(fs.readdirSync(root)).toEqual([`${name}.partial`]);
    const manifest = readManifest(path.join(root, `${name}.partial`));
    expect(manifest.complete).toBe(false);
    expect(manifest.error).toContain("HTTP 500");
    expect(manifest.files.map((f) => f.collection)).toEqual(["myproj"]);
  });

  it("sends the api-key header when the stack has one, and says what to set when refused", async () => {
    qdrant = await fakeQdrant({ collections: ["myproj"], apiKey: "s3cret" });
    await expect(runBackup({ source: await planOf("p2"), qdrant: { url: qdrant.url }, root, keep: 7, now: NOW })).rejects.toThrow(
      "HTTP 401 (set QDRANT_API_KEY",
    );
    const { manifest } = await runBackup({
      source: await planOf("p2"),
      qdrant: { url: qdrant.url, apiKey: "s3cret" },
      root,
      keep: 7,
      now: NOW,
    });
    expect(manifest.complete).toBe(true);
  });

  it("rejects a snapshot whose bytes do not match Qdrant's checksum", async () => {
    qdrant = await fakeQdrant({ collections: ["myproj"], wrongChecksum: true });
    await expect(runBackup({ source: await planOf("p2"), qdrant: { url: qdrant.url }, root, keep: 7, now: NOW })).rejects.toThrow(
      "arrived damaged",
    );
  });
});

describe("retention", () => {
  it("stamps sort in time order and only this stack's complete folders expire", () => {
    expect(backupStamp(NOW)).toBe("20250131T030005Z");
    const names = [
      "p2-20250101T000000Z",
      "p2-20250301T000000Z",
      "p2-20250201T000000Z",
      "p2x-20200101T000000Z",
      "p2-20200101T000000Z.partial",
    ];
    expect(expiredBackups(names, "p2", 1)).toEqual(["p2-20250201T000000Z", "p2-20250101T000000Z"]);
    expect(expiredBackups(names, "p2", 7)).toEqual([]);
    expect(() => expiredBackups(names, "p2", 0)).toThrow("keep must be at least 1");
  });
});
