/**
 * The shared Qdrant stand-in (test/support/fake-qdrant.ts), set up the way the
 * backup and restore tests want it: named collections (each with a few
 * points), an api key, and steps made to fail.
 */
import { FakeQdrant as Qdrant } from "../../support/fake-qdrant";

export interface FakeQdrant {
  url: string;
  port: number;
  qdrant: Qdrant;
  /** Requests seen, as "METHOD /path?query". */
  seen: string[];
  /** Snapshots Qdrant still holds, as "<collection or *>/<name>". */
  stored(): string[];
  /** Bytes of every snapshot ever created, by name. */
  created: Map<string, Buffer>;
  close(): Promise<void>;
}

export interface FakeQdrantOptions {
  collections: string[];
  /** Points in each collection (default 3). */
  points?: number;
  apiKey?: string;
  /** "METHOD /path" prefixes answered with HTTP 500. */
  failOn?: string[];
  /** Report a checksum that does not match the bytes sent. */
  wrongChecksum?: boolean;
}

export async function fakeQdrant(options: FakeQdrantOptions): Promise<FakeQdrant> {
  const qdrant = new Qdrant({ apiKey: options.apiKey, wrongChecksum: options.wrongChecksum });
  for (const name of options.collections) {
    qdrant.collections.set(name, {
      size: 4,
      distance: "Cosine",
      metadata: undefined,
      points: new Map(Array.from({ length: options.points ?? 3 }, (_, i) => [String(i + 1), { id: i + 1, vector: [1, i, 0, 0], payload: { n: i } }])),
    });
  }
  if (options.failOn?.length) qdrant.failWhile((r) => options.failOn!.some((p) => `${r.method} ${r.path}`.startsWith(p)), 500);
  await qdrant.start();
  return {
    url: qdrant.url,
    port: qdrant.port,
    qdrant,
    get seen() {
      return qdrant.requests.map((r) => `${r.method} ${r.path}${[...r.query].length ? `?${r.query}` : ""}`);
    },
    stored: () => qdrant.storedSnapshots(),
    created: qdrant.createdSnapshots,
    close: () => qdrant.stop(),
  };
}
