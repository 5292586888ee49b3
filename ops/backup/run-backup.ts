/**
 * `backup`: Qdrant snapshots (each collection, then the whole storage) pulled
 * out of the container over its API, and online copies of the memory and
 * security SQLite databases, into `<root>/<stack>-<stamp>/` with a manifest.
 * Work happens in `<folder>.partial`, renamed only when everything succeeded,
 * so a folder without the suffix is always a complete backup.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { QDRANT_SERVICE } from "../../lib/plan/qdrant";
import { fileDigest } from "./file-digest";
import { writeManifest, type BackupFile, type Manifest } from "./manifest";
import { collectionPoints, createSnapshot, deleteSnapshot, downloadSnapshot, listCollections, type QdrantTarget } from "./qdrant-snapshots";
import { backupFolderName, pruneBackups } from "./retention";
import { sqliteOnlineCopy } from "./sqlite-online-copy";
import { findSqliteSources, type DataService } from "./sqlite-sources";

/** What is backed up: the stack's planned services, or one running container seen through `docker inspect`. */
export interface BackupSource {
  stack: string;
  phase: string;
  services: DataService[];
}

export interface BackupOptions {
  source: BackupSource;
  /** Where Qdrant answers; absent: no Qdrant snapshots (the source holds no Qdrant). */
  qdrant?: QdrantTarget;
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
  const { source, qdrant, root } = options;
  const step = options.step ?? (() => {});
  const now = options.now ?? new Date();

  const wanted = (service: string) => !options.only || options.only.includes(service);
  const withQdrant = qdrant !== undefined && wanted(QDRANT_SERVICE);
  // Asking Qdrant first means nothing is written when it is down.
  if (withQdrant) step("listing Qdrant collections");
  const collections = withQdrant ? await listCollections(qdrant) : [];
  const discovered = findSqliteSources(source);
  const sources = discovered.sources.filter((s) => wanted(s.service));
  const missing = discovered.missing;

  // Backups hold every vector, chunk text and memory database: readable by their owner only,
  // whatever the umask (directories 0700, files 0600).
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const folder = path.join(root, backupFolderName(source.stack, now));
  const work = `${folder}.partial`;
  if (fs.existsSync(folder) || fs.existsSync(work)) throw new Error(`${folder} already exists; run the backup again in a second`);
  fs.mkdirSync(work, { mode: 0o700 });

  const manifest: Manifest = {
    format: 1,
    stack: source.stack,
    phase: source.phase,
    createdAt: now.toISOString(),
    complete: false,
    ...(withQdrant ? { qdrant: { url: qdrant.url, collections, points: {} } } : {}),
    ...(options.only ? { only: options.only } : {}),
    files: [],
    notes: missing.map((p) => `nothing backed up from ${p}: it does not exist yet`),
  };
  try {
    for (const collection of collections) {
      step(`snapshot of Qdrant collection ${collection}`);
      const before = await collectionPoints(qdrant!, collection);
      manifest.files.push(await pullSnapshot(options, work, collection));
      const after = await collectionPoints(qdrant!, collection);
      // A restore checks this count; it is only known when nothing was written during the snapshot.
      if (before === after) manifest.qdrant!.points![collection] = after ?? 0;
      else
        manifest.notes.push(
          `${collection} changed while its snapshot was taken (${before} then ${after} points): a restore cannot check its count`,
        );
    }
    if (withQdrant) {
      step("full-storage snapshot of Qdrant");
      manifest.files.push(await pullSnapshot(options, work, undefined));
    }

    for (const database of sources) {
      step(`online copy of ${database.hostPath}`);
      const target = path.join(work, database.backupPath);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      await sqliteOnlineCopy(database.hostPath, target, "new", options.python);
      manifest.files.push({
        path: database.backupPath,
        kind: "sqlite",
        service: database.service,
        source: database.hostPath,
        ...(await fileDigest(target)),
      });
    }
    manifest.complete = true;
    writeManifest(work, manifest);
    makePrivate(work);
    fs.renameSync(work, folder);
  } catch (error) {
    manifest.error = (error as Error).message;
    writeManifest(work, manifest);
    throw error;
  }
  step("applying retention");
  return { folder, manifest, pruned: pruneBackups(root, source.stack, options.keep) };
}

/** Every directory under `dir` (and itself) 0700, every file 0600. */
function makePrivate(dir: string): void {
  fs.chmodSync(dir, 0o700);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) makePrivate(full);
    else if (entry.isFile()) fs.chmodSync(full, 0o600);
  }
}

async function pullSnapshot(options: BackupOptions, work: string, collection: string | undefined): Promise<BackupFile> {
  const qdrant = options.qdrant!;
  const snapshot = await createSnapshot(qdrant, collection);
  const relative =
    collection === undefined ? `qdrant/full/${snapshot.name}` : `qdrant/collections/${encodeURIComponent(collection)}/${snapshot.name}`;
  const file = path.join(work, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const digest = await downloadSnapshot(qdrant, snapshot, file, collection);
  if (!options.keepServerSnapshots) await deleteSnapshot(qdrant, snapshot, collection);
  return {
    path: relative,
    kind: collection === undefined ? "qdrant-full" : "qdrant-collection",
    ...(collection === undefined ? {} : { collection }),
    snapshot: snapshot.name,
    ...digest,
  };
}
