/**
 * Backup and restore against the real Qdrant v1.16.3 (the image of
 * scripts/build-real-images.sh), not the stand-in: a backup snapshots every
 * collection through Qdrant's own snapshot API, checks each download against the
 * checksum Qdrant gives, records the points and leaves no snapshot on the server;
 * a restore into a fresh, empty Qdrant (another container, its own storage) uploads
 * each snapshot with that checksum, which Qdrant verifies, and brings every point
 * and payload back.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readManifest } from "../../ops/backup/manifest";
import { restoreQdrant } from "../../ops/backup/restore-qdrant";
import { runBackup } from "../../ops/backup/run-backup";
import { qdrantPoints, startQdrantOn } from "../support/qdrant-client";
import { requireRealImages } from "../support/real-images";
import { planOf } from "./support/plans";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "qdrant-real-"));
let source: { url: string; stop(): Promise<void> };
let fresh: { url: string; stop(): Promise<void> } | undefined;

async function call(url: string, method: string, pathname: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${pathname}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
  return response.json();
}

beforeAll(async () => {
  await requireRealImages();
  for (const dir of ["source", "fresh"]) fs.mkdirSync(path.join(work, dir), { recursive: true, mode: 0o777 });
  source = await startQdrantOn(path.join(work, "source"));
  for (const [collection, n] of [
    ["docs", 40],
    ["notes", 7],
  ] as const) {
    await call(source.url, "PUT", `/collections/${collection}`, { vectors: { size: 4, distance: "Cosine" } });
    const points = Array.from({ length: n }, (_, i) => ({
      id: i + 1,
      vector: [1, i % 3, (i * 7) % 5, 1],
      payload: { text: `${collection} ${i}` },
    }));
    await call(source.url, "PUT", `/collections/${collection}/points?wait=true`, { points });
  }
}, 180_000);

afterAll(async () => {
  await source?.stop();
  await fresh?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("backup and restore on the real Qdrant v1.16.3", () => {
  it("snapshots every collection with its point count and Qdrant's own checksum, then restores them into a fresh Qdrant", async () => {
    const { folder } = await runBackup({
      source: await planOf("p2"),
      qdrant: { url: source.url },
      root: path.join(work, "backups"),
      keep: 3,
    });
    const manifest = readManifest(folder);
    expect(manifest.qdrant?.points).toEqual({ docs: 40, notes: 7 });
    const entry = manifest.files.find((f) => f.collection === "docs")!;
    const digest = createHash("sha256")
      .update(fs.readFileSync(path.join(folder, entry.path)))
      .digest("hex");
    expect(digest).toBe(entry.sha256);
    expect((await call(source.url, "GET", "/collections/docs/snapshots")).result).toEqual([]);

    fresh = await startQdrantOn(path.join(work, "fresh"));
    const rows = await restoreQdrant({ folder, qdrant: { url: fresh.url } });
    expect(rows.map((r) => [r.collection, r.status])).toEqual([
      ["docs", "restored"],
      ["notes", "restored"],
    ]);
    expect([await qdrantPoints(fresh.url, "docs"), await qdrantPoints(fresh.url, "notes")]).toEqual([40, 7]);
    const point = await call(fresh.url, "GET", "/collections/notes/points/3");
    expect(point.result.payload).toEqual({ text: "notes 2" });
  }, 180_000);
});
