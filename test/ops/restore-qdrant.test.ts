/**
 * Restoring Qdrant collections from a backup's snapshots through Qdrant's
 * snapshot API (the shared Qdrant stand-in recovers a collection from an
 * uploaded snapshot, so what comes back is what was saved), through the
 * library and `npm run restore`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readManifest, writeManifest } from "../../ops/backup/manifest";
import { restoreQdrant } from "../../ops/backup/restore-qdrant";
import { runBackup } from "../../ops/backup/run-backup";
import { tempDir } from "./support/doctor-fixtures";
import { fakeQdrant, type FakeQdrant } from "./support/fake-qdrant";
import { planOf, PROJECT_DIR } from "./support/plans";

let qdrant: FakeQdrant;
let folder: string;

const points = (collection: string) => qdrant.qdrant.collections.get(collection)?.points.size;
const upsert = (collection: string, ids: number[]) => {
  for (const id of ids)
    qdrant.qdrant.collections.get(collection)!.points.set(String(id), { id, vector: [0, 0, 1, 0], payload: { added: "after the backup" } });
};

beforeEach(async () => {
  qdrant = await fakeQdrant({ collections: ["docs", "notes"], points: 4, apiKey: "k" });
  ({ folder } = await runBackup({
    source: await planOf("p2"),
    qdrant: { url: qdrant.url, apiKey: "k" },
    root: tempDir("qdrant-restore-"),
    keep: 3,
    now: new Date("2025-03-01T00:00:00Z"),
  }));
});
afterEach(() => qdrant.close());

describe("restoreQdrant", () => {
  it("records each collection's points in the manifest when it takes the snapshot", () => {
    expect(readManifest(folder).qdrant?.points).toEqual({ docs: 4, notes: 4 });
  });

  it("recovers a lost collection and a emptied one, checking the point counts, and leaves no snapshot behind", async () => {
    qdrant.qdrant.collections.delete("docs");
    qdrant.qdrant.collections.get("notes")!.points.clear();
    const rows = await restoreQdrant({ folder, qdrant: { url: qdrant.url, apiKey: "k" } });
    expect(rows).toEqual([
      { collection: "docs", status: "restored", detail: "4 point(s), as the backup recorded" },
      { collection: "notes", status: "restored", detail: "4 point(s), as the backup recorded" },
    ]);
    expect([points("docs"), points("notes")]).toEqual([4, 4]);
    expect(qdrant.qdrant.collections.get("docs")!.points.get("2")).toMatchObject({ payload: { n: 1 } });
    const upload = qdrant.seen.find((r) => r.startsWith("POST /collections/docs/snapshots/upload"))!;
    // Qdrant checks the upload against the manifest's sha256 before it replaces anything.
    expect(upload).toContain(`checksum=${readManifest(folder).files.find((f) => f.collection === "docs")!.sha256}`);
  });

  it("refuses a collection that holds points now (possibly newer than the backup) unless told to overwrite it", async () => {
    upsert("notes", [10, 11]);
    qdrant.qdrant.collections.delete("docs");
    const refused = await restoreQdrant({ folder, qdrant: { url: qdrant.url, apiKey: "k" } });
    expect(refused.map((r) => [r.collection, r.status])).toEqual([
      ["docs", "restored"],
      ["notes", "refused"],
    ]);
    expect(refused[1]!.detail).toBe(
      "holds 6 point(s) now (the backup has 4, from 2025-03-01T00:00:00.000Z): it may hold newer data; pass --overwrite to replace it",
    );
    expect(points("notes")).toBe(6);

    const savedTo = path.join(folder, "..", "replaced");
    const overwritten = await restoreQdrant({ folder, qdrant: { url: qdrant.url, apiKey: "k" }, overwrite: true, savedTo });
    // docs holds its restored points again by now, so it is saved before its overwrite too.
    const saved = fs.readdirSync(savedTo).find((f) => f.startsWith("notes-"));
    expect(overwritten[1]).toEqual({
      collection: "notes",
      status: "restored",
      detail: `4 point(s), as the backup recorded; replaced 6; the replaced 6 point(s) were saved first to ${path.join(savedTo, saved!)}`,
    });
    expect(points("notes")).toBe(4);
    // The saved snapshot is what Qdrant made of the 6 live points, readable by its owner only.
    expect(fs.readFileSync(path.join(savedTo, saved!)).equals(qdrant.created.get(saved!.replace(/^notes-/, ""))!)).toBe(true);
    expect(fs.statSync(path.join(savedTo, saved!)).mode & 0o777).toBe(0o600);
  });

  it("leaves a collection alone when its snapshot is damaged", async () => {
    const entry = readManifest(folder).files.find((f) => f.collection === "notes")!;
    fs.appendFileSync(path.join(folder, entry.path), "x");
    qdrant.qdrant.collections.get("notes")!.points.clear();
    const [, notes] = await restoreQdrant({ folder, qdrant: { url: qdrant.url, apiKey: "k" } });
    expect(notes).toMatchObject({ collection: "notes", status: "failed" });
    expect(notes!.detail).toContain("snapshot is damaged");
    expect(qdrant.seen.some((r) => r.startsWith("POST /collections/notes/snapshots/upload"))).toBe(false);
  });

  it("fails a restore whose recovered count differs from the manifest's", async () => {
    const manifest = readManifest(folder);
    writeManifest(folder, { ...manifest, qdrant: { ...manifest.qdrant!, points: { docs: 4, notes: 9 } } });
    qdrant.qdrant.collections.get("notes")!.points.clear();
    const [, notes] = await restoreQdrant({ folder, qdrant: { url: qdrant.url, apiKey: "k" } });
    expect(notes).toEqual({
      collection: "notes",
      status: "failed",
      detail: "recovered, but it holds 4 point(s) where the backup recorded 9",
    });
  });

  it("names Qdrant's refusal (a wrong key) without touching anything", async () => {
    qdrant.qdrant.collections.get("docs")!.points.clear();
    const rows = await restoreQdrant({ folder, qdrant: { url: qdrant.url, apiKey: "wrong" } });
    expect(rows.every((r) => r.status === "failed" && r.detail.includes("HTTP 401"))).toBe(true);
  });
});

describe("npm run restore (Qdrant)", () => {
  // Not spawnSync: the Qdrant stand-in answers from this process's event loop.
  const restore = (...flags: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("npx", ["tsx", "scripts/restore.ts", "--stack", "p2", "--from", folder, "--qdrant-url", qdrant.url, ...flags], {
        cwd: PROJECT_DIR,
        env: { ...process.env, QDRANT_API_KEY: "k" },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.stderr.on("data", (d: Buffer) => (stderr += d));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });

  it("restores the collections, refuses to overwrite newer data (exit 1, saying how), and overwrites when told to", async () => {
    qdrant.qdrant.collections.delete("docs");
    upsert("notes", [10]);
    const refused = await restore();
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/docs\s+│\s+RESTORED/);
    expect(refused.stdout).toMatch(/notes\s+│\s+REFUSED/);
    expect(refused.stdout).toContain("pass --overwrite");
    expect(points("notes")).toBe(5);

    const overwritten = await restore("--overwrite", "--only", "qdrant");
    expect(overwritten.status, overwritten.stderr).toBe(0);
    expect(points("notes")).toBe(4);
  });

  it("rejects an unknown --only", async () => {
    const result = await restore("--only", "vectors");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--only must be qdrant or sqlite, got "vectors"');
  });
});
