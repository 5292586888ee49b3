/**
 * An in-memory stand-in for Qdrant's REST API (v1.16 shapes) on 127.0.0.1,
 * for what the RAG service and the backups use: collections (list, get, exists,
 * create with metadata), points (upsert with wait, query, legacy search, delete
 * by filter), snapshots of a collection or of the whole storage (create with
 * wait, list, download, delete, and recovering a collection from an uploaded
 * snapshot), /healthz and /readyz, the api-key check, and Qdrant's envelopes
 * ({"result", "status": "ok", "time"} and {"status": {"error"}, "time"}).
 * A snapshot here holds the collection's points, so a restore really restores.
 *
 * Faults: take it down (connections refused) and bring it back on the same
 * port, slow every answer, or fail matching requests with a status.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface QdrantPoint {
  id: string | number;
  vector: number[];
  payload: Record<string, unknown>;
}

export interface QdrantCollection {
  size: number;
  distance: string;
  metadata: Record<string, unknown> | undefined;
  points: Map<string, QdrantPoint>;
}

export interface RecordedRequest {
  /** performance.now() on arrival. */
  at: number;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** The body as sent (a multipart snapshot upload is not JSON). */
  raw: Buffer;
}

export interface SnapshotInfo {
  name: string;
  creation_time: string;
  size: number;
  checksum: string;
}

interface StoredSnapshot {
  info: SnapshotInfo;
  bytes: Buffer;
}

interface Fault {
  status: number;
  remaining: number;
  match: (req: RecordedRequest) => boolean;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** Paths Qdrant serves without the API key. */
const PUBLIC_PATHS = new Set(["/", "/healthz", "/readyz", "/livez"]);

export class FakeQdrant {
  readonly collections = new Map<string, QdrantCollection>();
  readonly requests: RecordedRequest[] = [];
  /** Added before every answer (a slow or overloaded Qdrant). */
  delayMs = 0;
  private readonly faults: Fault[] = [];
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  private operationId = 0;
  /** Snapshots Qdrant holds, by "<collection or *>/<name>". */
  private readonly snapshots = new Map<string, StoredSnapshot>();
  /** Bytes of every snapshot ever created, by name (to check what a backup copied out). */
  readonly createdSnapshots = new Map<string, Buffer>();
  private snapshotCounter = 0;

  constructor(
    readonly options: {
      apiKey?: string;
      /** Where to listen (default 127.0.0.1 on a free port); a stand-in container listens on 0.0.0.0:6333. */
      host?: string;
      port?: number;
      /** Keep the collections in this JSON file across restarts (a stand-in's bind-mounted storage). */
      dataFile?: string;
      /** Report snapshot checksums that do not match their bytes (a damaged transfer). */
      wrongChecksum?: boolean;
    } = {},
  ) {
    if (options.dataFile) this.load(options.dataFile);
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.boundPort || (this.options.port ?? 0), this.options.host ?? "127.0.0.1", () => resolve());
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Writes every collection to `file` (after each change, when `dataFile` is set). */
  save(file = this.options.dataFile): void {
    if (!file) return;
    const data = [...this.collections].map(([name, c]) => ({ name, size: c.size, distance: c.distance, metadata: c.metadata, points: [...c.points.values()] }));
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(data));
    fs.renameSync(`${file}.tmp`, file);
  }

  private load(file: string): void {
    if (!fs.existsSync(file)) return;
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as { name: string; size: number; distance: string; metadata: Record<string, unknown> | undefined; points: QdrantPoint[] }[];
    for (const c of data) this.collections.set(c.name, { size: c.size, distance: c.distance, metadata: c.metadata, points: new Map(c.points.map((p) => [String(p.id), p])) });
  }

  /** Like a stopped container: the port refuses connections, open ones are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** The next `count` requests that `match` get `status` with Qdrant's error body. */
  failNext(count: number, status = 503, match: (req: RecordedRequest) => boolean = () => true): void {
    this.faults.push({ status, remaining: count, match });
  }

  /** Every request that `match` gets `status` until clearFaults(). */
  failWhile(match: (req: RecordedRequest) => boolean, status = 500): void {
    this.faults.push({ status, remaining: Infinity, match });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  requestsTo(method: string, pathPattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.path));
  }

  /** Snapshots Qdrant still holds, as "<collection or *>/<name>". */
  storedSnapshots(): string[] {
    return [...this.snapshots.keys()];
  }

  points(collection: string): QdrantPoint[] {
    return [...(this.collections.get(collection)?.points.values() ?? [])];
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const raw = Buffer.concat(chunks);
      const text = raw.toString("utf8");
      let body: unknown;
      if (String(req.headers["content-type"] ?? "").startsWith("multipart/form-data")) body = undefined;
      else {
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = Symbol.for("invalid-json");
        }
      }
      const recorded: RecordedRequest = { at: performance.now(), method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, body, raw };
      this.requests.push(recorded);
      const respond = () => {
        this.respond(recorded, res);
        if (recorded.method !== "GET") this.save();
      };
      if (this.delayMs > 0) setTimeout(respond, this.delayMs);
      else respond();
    });
  }

  private respond(req: RecordedRequest, res: http.ServerResponse): void {
    if (res.destroyed) return;
    const started = performance.now();
    const ok = (result: unknown, status = 200) => send(res, status, { result, status: "ok", time: (performance.now() - started) / 1000 });
    const fail = (status: number, error: string) => send(res, status, { status: { error }, time: (performance.now() - started) / 1000 });

    const fault = this.faults.find((f) => f.remaining > 0 && f.match(req));
    if (fault) {
      fault.remaining--;
      return fail(fault.status, `Service internal error: injected fault ${fault.status}`);
    }
    if (this.options.apiKey && !PUBLIC_PATHS.has(req.path)) {
      const given = (req.headers["api-key"] as string | undefined) ?? req.headers.authorization?.replace(/^Bearer /, "");
      if (!given) return sendText(res, 401, "Must provide an API key or an Authorization bearer token");
      if (given !== this.options.apiKey) return sendText(res, 401, "Invalid API key or JWT");
    }
    if (req.body === Symbol.for("invalid-json")) return fail(400, "Format error in JSON body: expected value at line 1 column 1");

    const parts = req.path.split("/").filter(Boolean).map(decodeURIComponent);
    if (req.method === "GET" && (req.path === "/healthz" || req.path === "/livez")) return sendText(res, 200, "healthz check passed");
    if (req.method === "GET" && req.path === "/readyz") return sendText(res, 200, "all shards are ready");
    if (parts[0] === "snapshots") return this.snapshotRoute(req, res, "*", parts.slice(1), ok, fail);
    if (parts[0] !== "collections") return fail(404, `Not found: ${req.path}`);
    if (parts.length === 1 && req.method === "GET") return ok({ collections: [...this.collections.keys()].map((name) => ({ name })) });

    const name = parts[1]!;
    const collection = this.collections.get(name);
    const missing = () => fail(404, `Not found: Collection \`${name}\` doesn't exist!`);

    if (parts.length === 2) {
      if (req.method === "GET") return collection ? ok(collectionInfo(collection)) : missing();
      if (req.method === "PUT") return this.create(name, req.body, ok, fail);
      if (req.method === "DELETE") return ok(this.collections.delete(name));
    }
    if (parts.length === 3 && parts[2] === "exists" && req.method === "GET") return ok({ exists: Boolean(collection) });
    if (parts[2] === "snapshots" && parts[3] === "upload" && req.method === "POST") return this.recover(name, req, ok, fail);
    if (!collection) return missing();
    if (parts[2] === "snapshots") return this.snapshotRoute(req, res, name, parts.slice(3), ok, fail);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const wait = req.query.get("wait") === "true";
    const updated = () => ok({ operation_id: ++this.operationId, status: wait ? "completed" : "acknowledged" });

    if (parts[2] === "points" && parts.length === 3 && req.method === "PUT") {
      const points = body.points;
      if (!Array.isArray(points)) return fail(400, "Format error in JSON body: missing field `points`");
      for (const p of points as QdrantPoint[]) {
        if (!validId(p.id)) return fail(400, `Format error in JSON body: value ${JSON.stringify(p.id)} is not a valid point ID, valid values are either an unsigned integer or a UUID`);
        if (!Array.isArray(p.vector) || p.vector.length !== collection.size) {
          return fail(400, `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${Array.isArray(p.vector) ? p.vector.length : 0}`);
        }
      }
      for (const p of points as QdrantPoint[]) collection.points.set(String(p.id), { id: p.id, vector: p.vector, payload: p.payload ?? {} });
      return updated();
    }
    if (parts[2] === "points" && parts[3] === "delete" && req.method === "POST") {
      if (Array.isArray(body.points)) {
        for (const id of body.points) collection.points.delete(String(id));
      } else if (body.filter) {
        for (const [key, p] of collection.points) {
          if (matches(p.payload, body.filter as Filter)) collection.points.delete(key);
        }
      } else {
        return fail(400, "Format error in JSON body: expected points or filter");
      }
      return updated();
    }
    if (parts[2] === "points" && (parts[3] === "query" || parts[3] === "search") && req.method === "POST") {
      const vector = (parts[3] === "query" ? body.query : body.vector) as unknown;
      if (!Array.isArray(vector) || vector.length !== collection.size) {
        return fail(400, `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${Array.isArray(vector) ? vector.length : 0}`);
      }
      const limit = typeof body.limit === "number" ? body.limit : 10;
      const withPayload = body.with_payload === true;
      const scored = [...collection.points.values()]
        .filter((p) => !body.filter || matches(p.payload, body.filter as Filter))
        .map((p) => ({ id: p.id, version: 0, score: cosine(vector as number[], p.vector), payload: withPayload ? p.payload : null }))
        .sort((a, b) => b.score - a.score)
        .slice(0, limit);
      return parts[3] === "query" ? ok({ points: scored }) : ok(scored);
    }
    return fail(404, `Not found: ${req.method} ${req.path}`);
  }

  /** Create (POST), list (GET), download (GET <name>) and delete (DELETE <name>) snapshots of a collection or, for "*", the storage. */
  private snapshotRoute(
    req: RecordedRequest,
    res: http.ServerResponse,
    scope: string,
    rest: string[],
    ok: (r: unknown) => void,
    fail: (s: number, e: string) => void,
  ): void {
    const name = rest[0];
    if (!name && req.method === "POST") {
      const names = scope === "*" ? [...this.collections.keys()] : [scope];
      const bytes = Buffer.from(
        JSON.stringify({ format: "standin-qdrant-snapshot", collections: names.map((n) => ({ name: n, ...serialize(this.collections.get(n)!) })) }),
      );
      const stamp = new Date().toISOString().replace(/\.\d+Z$/, "").replace(/:/g, "-").replace("T", "-");
      const snapshotName = `${scope === "*" ? "full-snapshot" : scope}-${++this.snapshotCounter}-${stamp}.snapshot`;
      const sha = createHash("sha256").update(bytes).digest("hex");
      const info = { name: snapshotName, creation_time: new Date().toISOString().replace(/\.\d+Z$/, ""), size: bytes.length, checksum: this.options.wrongChecksum ? "0".repeat(64) : sha };
      this.snapshots.set(`${scope}/${snapshotName}`, { info, bytes });
      this.createdSnapshots.set(snapshotName, bytes);
      return ok(info);
    }
    if (!name && req.method === "GET") return ok([...this.snapshots].filter(([key]) => key.startsWith(`${scope}/`)).map(([, s]) => s.info));
    const stored = name ? this.snapshots.get(`${scope}/${name}`) : undefined;
    if (!stored) return fail(404, `Not found: Snapshot ${name} not found`);
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": stored.bytes.length });
      return void res.end(stored.bytes);
    }
    if (req.method === "DELETE") return ok(this.snapshots.delete(`${scope}/${name}`));
    fail(405, `Method not allowed: ${req.method}`);
  }

  /** POST /collections/{name}/snapshots/upload: the collection becomes what the uploaded snapshot holds. */
  private recover(name: string, req: RecordedRequest, ok: (r: unknown) => void, fail: (s: number, e: string) => void): void {
    const file = multipartFile(req);
    if (!file) return fail(400, "Bad request: expected a multipart form with a `snapshot` file");
    const checksum = req.query.get("checksum");
    const actual = createHash("sha256").update(file).digest("hex");
    if (checksum && checksum !== actual) return fail(400, `Bad request: Snapshot checksum mismatch: expected ${checksum}, got ${actual}`);
    let snapshot: { format?: string; collections?: ({ name: string } & SerializedCollection)[] };
    try {
      snapshot = JSON.parse(file.toString("utf8"));
    } catch {
      return fail(400, "Bad request: the uploaded file is not a snapshot");
    }
    const entry = snapshot.collections?.find((c) => c.name === name) ?? (snapshot.collections?.length === 1 ? snapshot.collections[0] : undefined);
    if (snapshot.format !== "standin-qdrant-snapshot" || !entry) return fail(400, `Bad request: the snapshot holds no collection ${name}`);
    this.collections.set(name, deserialize(entry));
    ok(true);
  }

  private create(name: string, body: unknown, ok: (r: unknown) => void, fail: (s: number, e: string) => void): void {
    if (this.collections.has(name)) return fail(409, `Wrong input: Collection \`${name}\` already exists!`);
    const vectors = (body as { vectors?: { size?: unknown; distance?: unknown } } | undefined)?.vectors;
    if (!vectors || typeof vectors.size !== "number" || vectors.size < 1) return fail(400, "Format error in JSON body: missing field `vectors`");
    if (!["Cosine", "Dot", "Euclid", "Manhattan"].includes(String(vectors.distance))) {
      return fail(400, `Format error in JSON body: unknown variant \`${String(vectors.distance)}\`, expected one of \`Cosine\`, \`Euclid\`, \`Dot\`, \`Manhattan\``);
    }
    const metadata = (body as { metadata?: Record<string, unknown> }).metadata;
    this.collections.set(name, { size: vectors.size, distance: String(vectors.distance), metadata, points: new Map() });
    ok(true);
  }
}

type Condition = { key: string; match?: { value: unknown }; range?: { gt?: number; gte?: number; lt?: number; lte?: number } };
type Filter = { must?: Condition[]; should?: Condition[]; must_not?: Condition[] };

function holds(payload: Record<string, unknown>, c: Condition): boolean {
  const value = payload[c.key];
  if (c.match) return value === c.match.value;
  if (c.range) {
    if (typeof value !== "number") return false;
    const { gt, gte, lt, lte } = c.range;
    return (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
  }
  return false;
}

function matches(payload: Record<string, unknown>, filter: Filter): boolean {
  return (
    (filter.must ?? []).every((c) => holds(payload, c)) &&
    (!filter.should?.length || filter.should.some((c) => holds(payload, c))) &&
    !(filter.must_not ?? []).some((c) => holds(payload, c))
  );
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

function validId(id: unknown): boolean {
  return (typeof id === "number" && Number.isInteger(id) && id >= 0) || (typeof id === "string" && UUID.test(id));
}

interface SerializedCollection {
  size: number;
  distance: string;
  metadata: Record<string, unknown> | undefined;
  points: QdrantPoint[];
}

function serialize(c: QdrantCollection): SerializedCollection {
  return { size: c.size, distance: c.distance, metadata: c.metadata, points: [...c.points.values()] };
}

function deserialize(c: SerializedCollection): QdrantCollection {
  return { size: c.size, distance: c.distance, metadata: c.metadata, points: new Map(c.points.map((p) => [String(p.id), p])) };
}

/** The `snapshot` file of a multipart/form-data body. */
function multipartFile(req: RecordedRequest): Buffer | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(String(req.headers["content-type"] ?? ""));
  if (!boundary) return undefined;
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  for (let at = req.raw.indexOf(marker); at >= 0; ) {
    const next = req.raw.indexOf(marker, at + marker.length);
    if (next < 0) break;
    const part = req.raw.subarray(at + marker.length, next);
    const split = part.indexOf("\r\n\r\n");
    if (split >= 0 && /name="snapshot"/.test(part.subarray(0, split).toString("utf8"))) return part.subarray(split + 4, part.length - 2);
    at = next;
  }
  return undefined;
}

function collectionInfo(c: QdrantCollection): object {
  return {
    status: "green",
    optimizer_status: "ok",
    indexed_vectors_count: 0,
    points_count: c.points.size,
    segments_count: 1,
    config: {
      params: { vectors: { size: c.size, distance: c.distance }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
      hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
      optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, flush_interval_sec: 5 },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      ...(c.metadata ? { metadata: c.metadata } : {}),
    },
    payload_schema: {},
  };
}

function send(res: http.ServerResponse, status: number, payload: object): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
