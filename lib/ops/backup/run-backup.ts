/**
 * `backup`: Qdrant snapshots (each collection, then the whole storage) pulled
 * out of the container over its API, and online copies of the memory and
 * security SQLite databases, into `<root>/<stack>-<stamp>/` with a manifest.
 * Work happens in `<folder>.partial`, renamed only when everything succeeded,
 * so a folder without the suffix is always a complete backup.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { StackPlan } from "../../plan/stack-plan";
import { fileDigest } from "./file-digest";
import { writeManifest, type BackupFile, type Manifest } from "./manifest";
import { QDRANT_SERVICE } from "../../plan/qdrant";
import { collectionPoints, createSnapshot, deleteSnapshot, downloadSnapshot, listCollections, type QdrantTarget } from "./qdrant-snapshots";
import { backupFolderName, pruneBackups } from "./retention";
import { sqliteOnlineCopy } from "./sqlite-online-copy";
import { findSqliteSources } from "./sqlite-sources";

export interface BackupOptions {
  plan: StackPlan;
  qdrant: QdrantTarget;
  /** Folder that holds this stack's backup folders. */
  root: string;
  keep: number;
  now?: Date;
  /** Leave the snapshots inside Qdrant's snapshot dir too (default: delete them once copied out). */
  keepServerSnapshots?: boolean;
  python?: string;
  /** Progress: what is being done now. */
  step?: (text: string) => void;
  /** Only these services' data: "qdrant" for its snapshots, a database owner (memory-api, mcp-server, ...) for its SQLite files. */
  only?: string[];
}

export interface BackupResult {
  folder: string;
  manifest: Manifest;
  pruned: string[];
}

export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const { plan, qdrant, root } = options;
  const step = options.step ?? (() => {});
  const now = options.now ?? new Date();

  const wanted = (service: string) => !options.only || options.only.includes(service);
  // Asking Qdrant first means nothing is written when it is down.
  step("listing Qdrant collections");
  const collections = wanted(QDRANT_SERVICE) ? await listCollections(qdrant) : [];
  const discovered = findSqliteSources(plan);
  const sources = discovered.sources.filter((s) => wanted(s.service));
  const missing = discovered.missing;

  fs.mkdirSync(root, { recursive: true });
  const folder = path.join(root, backupFolderName(plan.stack, now));
  const work = `${folder}.partial`;
  if (fs.existsSync(folder) || fs.existsSync(work)) throw new Error(`${folder} already exists; run the backup again in a second`);
  fs.mkdirSync(work);

  const manifest: Manifest = {
    format: 1,
    stack: plan.stack,
    phase: plan.phase,
    createdAt: now.toISOString(),
    complete: false,
    qdrant: { url: qdrant.url, collections, points: {} },
    ...(options.only ? { only: options.only } : {}),
    files: [],
    notes: missing.map((p) => `nothing backed up from ${p}: it does not exist yet`),
  };
  try {
    for (const collection of collections) {
      step(`snapshot of Qdrant collection ${collection}`);
      manifest.files.push(await pullSnapshot(options, work, collection));
      // Counted after the snapshot, which a restore is checked against.
      manifest.qdrant.points![collection] = (await collectionPoints(qdrant, collection)) ?? 0;
    }
    if (wanted(QDRANT_SERVICE)) {
      step("full-storage snapshot of Qdrant");
      manifest.files.push(await pullSnapshot(options, work, undefined));
    }

    for (const source of sources) {
      step(`online copy of ${source.hostPath}`);
      const target = path.join(work, source.backupPath);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      await sqliteOnlineCopy(source.hostPath, target, "new", options.python);
      manifest.files.push({ path: source.backupPath, kind: "sqlite", service: source.service, source: source.hostPath, ...(await fileDigest(target)) });
    }
    manifest.complete = true;
    writeManifest(work, manifest);
    fs.renameSync(work, folder);
  } catch (error) {
    manifest.error = (error as Error).message;
    writeManifest(work, manifest);
    throw error;
  }
  step("applying retention");
  return { folder, manifest, pruned: pruneBackups(root, plan.stack, options.keep) };
}

async function pullSnapshot(options: BackupOptions, work: string, collection: string | undefined): Promise<BackupFile> {
  const snapshot = await createSnapshot(options.qdrant, collection);
  const relative = collection === undefined ? `qdrant/full/${snapshot.name}` : `qdrant/collections/${encodeURIComponent(collection)}/${snapshot.name}`;
  const file = path.join(work, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const digest = await downloadSnapshot(options.qdrant, snapshot, file, collection);
  if (!options.keepServerSnapshots) await deleteSnapshot(options.qdrant, snapshot, collection);
  return {
    path: relative,
    kind: collection === undefined ? "qdrant-full" : "qdrant-collection",
    ...(collection === undefined ? {} : { collection }),
    snapshot: snapshot.name,
    ...digest,
  };
}
