/**
 * Qdrant's snapshot API, as the backup uses it: list collections, snapshot a
 * collection or the whole storage, stream the snapshot out of the container
 * over HTTP, delete it there. Sends `api-key` when the stack sets one.
 */
import * as fs from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describeFetchError } from "../fetch-error";
import { hashingStream } from "./file-digest";

export interface QdrantTarget {
  url: string;
  apiKey?: string;
  fetch?: typeof fetch;
  /** Timeout for creating and downloading one snapshot (large collections take minutes). */
  snapshotTimeoutMs?: number;
}

export interface SnapshotInfo {
  name: string;
  size?: number;
  /** sha256 Qdrant computed, when its version reports one. */
  checksum?: string;
}

export class QdrantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QdrantError";
  }
}

/** `/collections/{name}` for a collection snapshot, `` for a full-storage one. */
const scope = (collection?: string) => (collection === undefined ? "" : `/collections/${encodeURIComponent(collection)}`);

async function call(q: QdrantTarget, method: string, path: string, timeoutMs: number): Promise<Response> {
  const url = `${q.url.replace(/\/$/, "")}${path}`;
  let response: Response;
  try {
    response = await (q.fetch ?? fetch)(url, { method, headers: q.apiKey ? { "api-key": q.apiKey } : {}, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new QdrantError(`Qdrant at ${q.url} is not reachable (${method} ${path}): ${describeFetchError(error)}`);
  }
  if (!response.ok) {
    const body = (await response.text()).slice(0, 200);
    const hint = response.status === 401 || response.status === 403 ? " (set QDRANT_API_KEY to the stack's qdrantApiKey)" : "";
    throw new QdrantError(`Qdrant refused ${method} ${path}: HTTP ${response.status}${hint} ${body}`.trim());
  }
  return response;
}

async function result<T>(response: Response): Promise<T> {
  return ((await response.json()) as { result: T }).result;
}

export async function listCollections(q: QdrantTarget): Promise<string[]> {
  const r = await result<{ collections: { name: string }[] }>(await call(q, "GET", "/collections", 10_000));
  return r.collections.map((c) => c.name).sort();
}

/** Points in a collection now, or undefined when it does not exist. */
export async function collectionPoints(q: QdrantTarget, collection: string): Promise<number | undefined> {
  const url = `${q.url.replace(/\/$/, "")}/collections/${encodeURIComponent(collection)}`;
  let response: Response;
  try {
    response = await (q.fetch ?? fetch)(url, { headers: q.apiKey ? { "api-key": q.apiKey } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new QdrantError(`Qdrant at ${q.url} is not reachable (GET /collections/${collection}): ${describeFetchError(error)}`);
  }
  if (response.status === 404) return undefined;
  if (!response.ok) throw new QdrantError(`Qdrant refused GET /collections/${collection}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
  return ((await response.json()) as { result: { points_count?: number } }).result.points_count ?? 0;
}

/**
 * Recovers `collection` from a snapshot file (uploaded: the container need not see the host path), waiting
 * for it; Qdrant checks the bytes against `sha256` before it touches the collection.
 */
export async function uploadSnapshot(q: QdrantTarget, collection: string, file: string, sha256: string): Promise<void> {
  const form = new FormData();
  form.append("snapshot", new Blob([fs.readFileSync(file)]), "restore.snapshot");
  const path = `/collections/${encodeURIComponent(collection)}/snapshots/upload?priority=snapshot&wait=true&checksum=${sha256}`;
  let response: Response;
  try {
    response = await (q.fetch ?? fetch)(`${q.url.replace(/\/$/, "")}${path}`, {
      method: "POST",
      body: form,
      headers: q.apiKey ? { "api-key": q.apiKey } : {},
      signal: AbortSignal.timeout(q.snapshotTimeoutMs ?? 30 * 60_000),
    });
  } catch (error) {
    throw new QdrantError(`Qdrant at ${q.url} is not reachable (POST ${path}): ${describeFetchError(error)}`);
  }
  if (!response.ok) throw new QdrantError(`Qdrant refused to recover ${collection}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
}

/** Creates a snapshot and waits for it (`wait=true`). */
export async function createSnapshot(q: QdrantTarget, collection?: string): Promise<SnapshotInfo> {
  return result<SnapshotInfo>(await call(q, "POST", `${scope(collection)}/snapshots?wait=true`, q.snapshotTimeoutMs ?? 30 * 60_000));
}

/** Streams the snapshot to `file`; returns its size and sha256, checked against Qdrant's checksum when given. */
export async function downloadSnapshot(q: QdrantTarget, snapshot: SnapshotInfo, file: string, collection?: string): Promise<{ size: number; sha256: string }> {
  const path = `${scope(collection)}/snapshots/${encodeURIComponent(snapshot.name)}`;
  const response = await call(q, "GET", path, q.snapshotTimeoutMs ?? 30 * 60_000);
  if (!response.body) throw new QdrantError(`Qdrant sent an empty body for ${path}`);
  const digest = hashingStream();
  await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), digest.stream, fs.createWriteStream(file, { flags: "wx" }));
  const { size, sha256 } = digest.result();
  if (snapshot.checksum && snapshot.checksum !== sha256) throw new QdrantError(`snapshot ${snapshot.name} arrived damaged: sha256 ${sha256}, Qdrant says ${snapshot.checksum}`);
  if (snapshot.size !== undefined && snapshot.size !== size) throw new QdrantError(`snapshot ${snapshot.name} arrived truncated: ${size} of ${snapshot.size} bytes`);
  return { size, sha256 };
}

export async function deleteSnapshot(q: QdrantTarget, snapshot: SnapshotInfo, collection?: string): Promise<void> {
  await call(q, "DELETE", `${scope(collection)}/snapshots/${encodeURIComponent(snapshot.name)}?wait=true`, 60_000);
}
