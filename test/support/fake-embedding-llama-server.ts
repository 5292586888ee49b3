/**
 * A stand-in for `llama-server --embeddings` on 127.0.0.1, with the routes and
 * shapes of tools/server/README.md: GET /health (503 "Loading model" while
 * loading, then 200 {"status":"ok"}), POST /v1/embeddings, /tokenize and
 * /detokenize. Every route answers the loading 503 while loading, as
 * llama-server does.
 *
 * Vectors are deterministic bags of hashed words, so texts sharing words are
 * close in cosine terms and a search finds the right document. An input
 * longer than the physical batch is refused with llama-server's 500, since
 * llama-server does not truncate.
 */
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type EmbeddingServerState = "loading" | "ready" | "hang";

export const LOADING_BODY = { error: { code: 503, message: "Loading model", type: "unavailable_error" } };

/** Lower-cased words and single punctuation marks: the stand-in's tokens. */
export function fakeTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The raw (unnormalised) vector the stand-in returns for `text`. */
export function fakeVector(text: string, dim: number): number[] {
  const v = new Array<number>(dim).fill(0);
  for (const token of fakeTokens(text)) {
    const h = fnv1a(token);
    v[h % dim]! += h & 0x100 ? 3 : -3;
    v[(h >>> 9) % dim]! += 1.5;
  }
  if (!v.some((x) => x !== 0)) v[0] = 1;
  return v;
}

function l2(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}

export interface EmbeddingServerRequest {
  at: number;
  path: string;
  body: Record<string, unknown> | undefined;
}

export class FakeEmbeddingLlamaServer {
  readonly requests: EmbeddingServerRequest[] = [];
  state: EmbeddingServerState;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  private readonly vocabulary = new Map<string, number>();
  private readonly pieces: string[] = [];

  constructor(readonly options: { dim?: number; ubatch?: number; state?: EmbeddingServerState; host?: string; port?: number } = {}) {
    this.state = options.state ?? "ready";
  }

  get dim(): number {
    return this.options.dim ?? 384;
  }

  /** llama-server's -ub: the longest input (special tokens included) it embeds. */
  get ubatch(): number {
    return this.options.ubatch ?? 512;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Inputs of every /v1/embeddings call so far, one array per call. */
  embeddingCalls(): string[][] {
    return this.requests.filter((r) => r.path === "/v1/embeddings").map((r) => r.body?.input as string[]);
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

  async kill(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0]!;
      let body: Record<string, unknown> | undefined;
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      } catch {
        return send(res, 400, { error: { code: 400, message: "invalid JSON", type: "invalid_request_error" } });
      }
      this.requests.push({ at: performance.now(), path, body });
      if (this.state === "hang") return;
      if (this.state === "loading") return send(res, 503, LOADING_BODY);
      this.route(req.method ?? "GET", path, body ?? {}, res);
    });
  }

  private route(method: string, path: string, body: Record<string, unknown>, res: http.ServerResponse): void {
    if (method === "GET" && (path === "/health" || path === "/v1/health")) return send(res, 200, { status: "ok" });
    if (method === "GET" && path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      return void res.end(`# TYPE llamacpp:requests_processing gauge\nllamacpp:requests_processing 0\n`);
    }
    if (method === "POST" && (path === "/v1/embeddings" || path === "/embeddings")) {
      const input = typeof body.input === "string" ? [body.input] : body.input;
      if (!Array.isArray(input) || !input.every((t) => typeof t === "string")) {
        return send(res, 400, {
          error: { code: 400, message: '"input" must be a string or an array of strings', type: "invalid_request_error" },
        });
      }
      for (const text of input as string[]) {
        const n = fakeTokens(text).length + 2; // [CLS] ... [SEP]
        if (n > this.ubatch) {
          return send(res, 500, {
            error: {
              code: 500,
              message: `input (${n} tokens) is too large to process. increase the physical batch size (current batch size: ${this.ubatch})`,
              type: "server_error",
            },
          });
        }
      }
      const raw = body.embd_normalize === -1;
      const data = (input as string[]).map((text, index) => {
        const v = fakeVector(text, this.dim);
        return { object: "embedding", index, embedding: raw ? v : l2(v) };
      });
      const tokens = (input as string[]).reduce((s, t) => s + fakeTokens(t).length + 2, 0);
      return send(res, 200, {
        model: String(body.model ?? "bge-small-en-v1.5"),
        object: "list",
        usage: { prompt_tokens: tokens, total_tokens: tokens },
        data,
      });
    }
    if (method === "POST" && path === "/tokenize") {
      const tokens = fakeTokens(String(body.content ?? "")).map((piece) => this.idOf(piece));
      return send(res, 200, { tokens });
    }
    if (method === "POST" && path === "/detokenize") {
      const ids = Array.isArray(body.tokens) ? (body.tokens as number[]) : [];
      return send(res, 200, { content: ids.map((id) => this.pieces[id] ?? "").join(" ") });
    }
    send(res, 404, { error: { code: 404, message: "File Not Found", type: "not_found_error" } });
  }

  private idOf(piece: string): number {
    let id = this.vocabulary.get(piece);
    if (id === undefined) {
      id = this.pieces.length;
      this.pieces.push(piece);
      this.vocabulary.set(piece, id);
    }
    return id;
  }
}

function send(res: http.ServerResponse, status: number, payload: object): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
