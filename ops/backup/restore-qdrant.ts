/**
 * Restoring Qdrant collections from a backup: each collection's snapshot is
 * checked against its manifest sha256, uploaded to Qdrant (which recovers the
 * collection from it), and the recovered point count is checked against the
 * count the backup recorded. A collection that holds points now is not
 * overwritten unless asked: it may hold data newer than the backup. When asked,
 * the live collection is snapshotted first (kept beside the backup, private),
 * and nothing is replaced unless that snapshot arrived whole.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileDigest } from "./file-digest";
import { readManifest } from "./manifest";
import { collectionPoints, createSnapshot, deleteSnapshot, downloadSnapshot, uploadSnapshot, type QdrantTarget } from "./qdrant-snapshots";

export interface QdrantRestoreOptions {
  folder: string;
  qdrant: QdrantTarget;
  /** Replace collections that hold points now (each saved first, see savedTo). */
  overwrite?: boolean;
  /** Where a replaced collection's live snapshot goes; default `<folder>.replaced-<time>` beside the backup. */
  savedTo?: string;
  now?: Date;
}

export interface QdrantRestoreRow {
  collection: string;
  status: "restored" | "refused" | "failed";
  detail: string;
}

export async function restoreQdrant(options: QdrantRestoreOptions): Promise<QdrantRestoreRow[]> {
  const manifest = readManifest(options.folder);
  if (!manifest.complete)
    throw new Error(`${options.folder} is an incomplete backup (${manifest.error ?? "no error recorded"}); pick another`);
  const rows: QdrantRestoreRow[] = [];
  for (const entry of manifest.files.filter((f) => f.kind === "qdrant-collection" && f.collection !== undefined)) {
    const collection = entry.collection!;
    const expected = manifest.qdrant?.points?.[collection];
    try {
      const file = path.join(options.folder, ...entry.path.split("/"));
      const digest = await fileDigest(file);
      if (digest.sha256 !== entry.sha256 || digest.size !== entry.size) {
        rows.push({
          collection,
          status: "failed",
          detail: `snapshot is damaged (sha256 ${digest.sha256.slice(0, 12)}, manifest ${entry.sha256.slice(0, 12)}); nothing changed`,
        });
        continue;
      }
      const live = await collectionPoints(options.qdrant, collection);
      if (live !== undefined && live > 0 && !options.overwrite) {
        rows.push({
          collection,
          status: "refused",
          detail: `holds ${live} point(s) now (the backup has ${expected ?? "an unrecorded number"}, from ${manifest.createdAt}): it may hold newer data; pass --overwrite to replace it`,
        });
        continue;
      }
      let saved = "";
      if (live !== undefined && live > 0) {
        // What --overwrite is about to replace may be the newest copy of that data: keep it first.
        const dir = options.savedTo ?? `${options.folder}.replaced-${(options.now ?? new Date()).toISOString().replace(/[-:.]/g, "")}`;
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const snapshot = await createSnapshot(options.qdrant, collection);
        const target = path.join(dir, `${encodeURIComponent(collection)}-${snapshot.name}`);
        await downloadSnapshot(options.qdrant, snapshot, target, collection);
        fs.chmodSync(target, 0o600);
        await deleteSnapshot(options.qdrant, snapshot, collection);
        saved = `; the replaced ${live} point(s) were saved first to ${target}`;
      }
      await uploadSnapshot(options.qdrant, collection, file, entry.sha256);
      const restored = (await collectionPoints(options.qdrant, collection)) ?? 0;
      if (expected !== undefined && restored !== expected) {
        rows.push({
          collection,
          status: "failed",
          detail: `recovered, but it holds ${restored} point(s) where the backup recorded ${expected}`,
        });
        continue;
      }
      rows.push({
        collection,
        status: "restored",
        detail: `${restored} point(s)${expected !== undefined ? ", as the backup recorded" : " (the backup recorded no count)"}${live ? `; replaced ${live}` : ""}${saved}`,
      });
    } catch (error) {
      rows.push({ collection, status: "failed", detail: (error as Error).message });
    }
  }
  return rows;
}
