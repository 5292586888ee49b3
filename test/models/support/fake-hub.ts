/**
 * A local stand-in for the Hugging Face hub's resolve endpoint (nothing here
 * reaches the network), serving files the tests write:
 *
 * - `HEAD|GET /<owner>/<repo>/resolve/<revision>/<file>` answers 302 to the
 *   "CDN" path with X-Repo-Commit, X-Linked-Etag ("<sha256>") and X-Linked-Size,
 *   as the hub does for LFS files; an unknown repo, file or revision is a 404
 *   with the hub's X-Error-Code.
 * - `GET /cdn/<commit>/<file>` serves the bytes with Range support (206,
 *   Content-Range), with faults a test asks for: a connection dropped after N
 *   bytes, a stall, a slow link, a wrong body, a server that ignores Range.
 *
 * Every request is recorded (method, path, Range header, status, body bytes sent).
 */
import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Faults {
  /** The first `times` body responses send this many bytes, then the socket is destroyed. */
  dropAfterBytes?: number;
  /** The first `times` body responses send this many bytes, then stop sending (the socket stays open). */
  stallAfterBytes?: number;
  /** How many responses the drop/stall applies to; default 1. */
  times?: number;
  /** Throttle the body to about this many bytes per second. */
  bytesPerSec?: number;
  /** Serve this body instead (same length): the advertised sha256 stays the real file's. */
  wrongBody?: Buffer;
  /** Answer 200 with the whole file whatever the Range says. */
  ignoreRange?: boolean;
  /** Omit X-Linked-Etag (a non-LFS file): sends a git-blob-like 40-hex ETag instead. */
  notLfs?: boolean;
}

export interface HubFileSpec {
  repo: string;
  file: string;
  commit: string;
  /** The file's bytes, or a large virtual file: `head` then zeros up to `size`. */
  body: Buffer | { head: Buffer; size: number };
  /** The sha256 to advertise (X-Linked-Etag); default the body's (a virtual body needs one). */
  sha256?: string;
  faults?: Faults;
}

export interface HubRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
  status: number;
  bodyBytes: number;
}

interface Served extends HubFileSpec {
  size: number;
  sha256: string;
  faultUses: number;
}

export class FakeHub {
  readonly requests: HubRequest[] = [];
  private readonly files: Served[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly sockets = new Set<import("node:net").Socket>();
  url = "";

  static async start(): Promise<FakeHub> {
    const hub = new FakeHub();
    hub.server.on("connection", (s) => (hub.sockets.add(s), s.on("close", () => hub.sockets.delete(s))));
    await new Promise<void>((resolve) => hub.server.listen(0, "127.0.0.1", resolve));
    hub.url = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
    return hub;
  }

  serve(spec: HubFileSpec): { size: number; sha256: string } {
    const size = Buffer.isBuffer(spec.body) ? spec.body.length : spec.body.size;
    const sha256 = spec.sha256 ?? (Buffer.isBuffer(spec.body) ? createHash("sha256").update(spec.body).digest("hex") : createHash("sha256").update("virtual").digest("hex"));
    this.files.push({ ...spec, size, sha256, faultUses: 0 });
    return { size, sha256 };
  }

  /** Change the faults of a served file (resets how often they were used). */
  setFaults(repo: string, file: string, faults: Faults | undefined): void {
    const f = this.files.find((x) => x.repo === repo && x.file === file)!;
    f.faults = faults;
    f.faultUses = 0;
  }

  bodyRequests(file?: string): HubRequest[] {
    return this.requests.filter((r) => r.path.startsWith("/cdn/") && r.method === "GET" && (!file || r.path.endsWith(`/${file}`)));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const record: HubRequest = { method: req.method ?? "", path: decodeURIComponent((req.url ?? "").split("?")[0]!), range: req.headers.range, authorization: req.headers.authorization, status: 0, bodyBytes: 0 };
    this.requests.push(record);
    const done = (status: number, headers: Record<string, string> = {}, body = "") => {
      record.status = status;
      res.writeHead(status, { "Content-Length": String(Buffer.byteLength(body)), ...headers });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(record.path);
    if (resolve) {
      const [, repo, revision, file] = resolve as unknown as [string, string, string, string];
      const inRepo = this.files.filter((f) => f.repo === repo);
      if (!inRepo.length) return done(404, { "X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found" }, "Repository not found");
      const atRevision = inRepo.filter((f) => revision === "main" || f.commit === revision);
      if (!atRevision.length) return done(404, { "X-Error-Code": "RevisionNotFound", "X-Error-Message": "Invalid rev id" }, "Revision not found");
      const f = atRevision.find((x) => x.file === file);
      if (!f) return done(404, { "X-Error-Code": "EntryNotFound", "X-Error-Message": `${file} does not exist on "${revision}"` }, "Entry not found");
      if (f.faults?.notLfs) return done(200, { "X-Repo-Commit": f.commit, ETag: `"${"b".repeat(40)}"` }, "small file");
      return done(302, {
        Location: `${this.url}/cdn/${f.commit}/${f.file}`,
        "X-Repo-Commit": f.commit,
        "X-Linked-Etag": `"${f.sha256}"`,
        "X-Linked-Size": String(f.size),
        ETag: `W/"${"c".repeat(40)}"`,
      }, "Found. Redirecting");
    }
    const cdn = /^\/cdn\/([0-9a-f]{40})\/(.+)$/.exec(record.path);
    const f = cdn && this.files.find((x) => x.commit === cdn[1] && x.file === cdn[2]);
    if (!f) return done(404, {}, "no such object");
    this.sendBody(req, res, f, record);
  }

  private sendBody(req: http.IncomingMessage, res: http.ServerResponse, f: Served, record: HubRequest): void {
    const faults = f.faults ?? {};
    let start = 0;
    let end = f.size - 1;
    let status = 200;
    const m = !faults.ignoreRange && /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), f.size - 1) : f.size - 1;
      if (start >= f.size) {
        record.status = 416;
        res.writeHead(416, { "Content-Range": `bytes */${f.size}`, "Content-Length": "0" });
        return void res.end();
      }
      status = 206;
    }
    record.status = status;
    res.writeHead(status, {
      "Content-Length": String(end - start + 1),
      "Accept-Ranges": "bytes",
      ...(status === 206 ? { "Content-Range": `bytes ${start}-${end}/${f.size}` } : {}),
    });
    if (req.method === "HEAD") return void res.end();
    const faulty = req.method === "GET" && f.faultUses < (faults.times ?? 1) && (faults.dropAfterBytes !== undefined || faults.stallAfterBytes !== undefined);
    if (faulty) f.faultUses++;
    const cut = faulty ? (faults.dropAfterBytes ?? faults.stallAfterBytes)! : Infinity;
    const source = faults.wrongBody ?? f.body;
    const slice = (a: number, b: number): Buffer => {
      if (Buffer.isBuffer(source)) return source.subarray(a, b);
      const out = Buffer.alloc(b - a);
      if (a < source.head.length) source.head.copy(out, 0, a, Math.min(b, source.head.length));
      return out;
    };
    let at = start;
    let sent = 0;
    const perTick = faults.bytesPerSec ? Math.max(1, Math.floor(faults.bytesPerSec / 20)) : 256 * 1024;
    const pump = () => {
      while (at <= end) {
        if (sent >= cut) {
          if (faults.dropAfterBytes !== undefined) res.socket?.destroy();
          return; // a stall: send nothing more, keep the socket open
        }
        const n = Math.min(perTick, end + 1 - at, cut - sent);
        const chunk = slice(at, at + n);
        at += n;
        sent += n;
        record.bodyBytes += n;
        const more = res.write(chunk);
        if (faults.bytesPerSec) return void setTimeout(pump, 50);
        if (!more) return void res.once("drain", pump);
      }
      res.end();
    };
    res.on("error", () => undefined);
    pump();
  }
}
