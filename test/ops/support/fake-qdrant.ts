/**
 * A stand-in for Qdrant's snapshot API on 127.0.0.1: collections, per-collection
 * and full-storage snapshots (create with wait, download, delete), the api-key
 * check, and switches to make a step fail.
 */
import { createHash, randomBytes } from "node:crypto";
import { standIn, type StandIn } from "./stand-in";

export interface FakeQdrant extends StandIn {
  /** Snapshots Qdrant still holds, as "<collection or *>/<name>". */
  stored(): string[];
  /** Bytes of every snapshot ever created, by name. */
  created: Map<string, Buffer>;
}

export interface FakeQdrantOptions {
  collections: string[];
  apiKey?: string;
  /** "METHOD /path" prefixes answered with HTTP 500. */
  failOn?: string[];
  /** Report a checksum that does not match the bytes sent. */
  wrongChecksum?: boolean;
}

export async function fakeQdrant(options: FakeQdrantOptions): Promise<FakeQdrant> {
  const stored = new Map<string, Buffer>();
  const created = new Map<string, Buffer>();
  let counter = 0;
  const ok = (result: unknown) => ({ status: 200, body: JSON.stringify({ result, status: "ok", time: 0.001 }) });

  const server = await standIn((req) => {
    const url = new URL(req.url ?? "/", "http://x");
    const line = `${req.method} ${url.pathname}`;
    if (options.apiKey && req.headers["api-key"] !== options.apiKey) return { status: 401, body: JSON.stringify({ status: { error: "Must provide an API key" } }) };
    if (options.failOn?.some((p) => line.startsWith(p))) return { status: 500, body: JSON.stringify({ status: { error: "disk full" } }) };
    if (line === "GET /collections") return ok({ collections: options.collections.map((name) => ({ name })) });

    const m = /^(?:\/collections\/([^/]+))?\/snapshots(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return { status: 404, body: "{}" };
    const collection = m[1] === undefined ? "*" : decodeURIComponent(m[1]);
    if (collection !== "*" && !options.collections.includes(collection)) return { status: 404, body: JSON.stringify({ status: { error: `Collection ${collection} not found` } }) };
    const key = (name: string) => `${collection}/${name}`;

    if (req.method === "POST" && !m[2]) {
      const name = `${collection === "*" ? "full" : collection}-${++counter}-2025-01-31-03-00-05.snapshot`;
      const bytes = Buffer.concat([Buffer.from(`snapshot of ${collection}\n`), randomBytes(64 * 1024)]);
      stored.set(key(name), bytes);
      created.set(name, bytes);
      const checksum = options.wrongChecksum ? "0".repeat(64) : createHash("sha256").update(bytes).digest("hex");
      return ok({ name, creation_time: "2025-01-31T03:00:05", size: bytes.length, checksum });
    }
    const name = m[2] && decodeURIComponent(m[2]);
    if (name && req.method === "GET") {
      const bytes = stored.get(key(name));
      return bytes ? { status: 200, body: bytes, headers: { "content-type": "application/octet-stream" } } : { status: 404, body: "{}" };
    }
    if (name && req.method === "DELETE") return stored.delete(key(name)) ? ok(true) : { status: 404, body: "{}" };
    return { status: 405, body: "{}" };
  });
  return Object.assign(server, { stored: () => [...stored.keys()], created });
}
