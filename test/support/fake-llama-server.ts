/**
 * A small OpenAI-compatible stand-in for llama-server on 127.0.0.1: `/health`,
 * `/v1/models`, `/v1/chat/completions` (plain and `stream`), `/metrics`. Every
 * answer names the server that gave it, so a test can see where the gateway sent
 * a request. Faults, each undone by `start`/`recover`:
 *
 * - kill: the port refuses connections and open ones are cut (a crashed process);
 * - hang: every request is accepted and never answered, `/health` included
 *   (a stopped process, `docker pause` / SIGSTOP);
 * - wedge: completions and `/metrics` are accepted and never answered, while
 *   `/health` and `/v1/models` still answer 200. That is llama-server with its
 *   inference loop stuck (a hung CUDA call, a stuck slot): those two endpoints
 *   are served by the HTTP threads without the task queue (llama.cpp
 *   tools/server/server-context.cpp, `get_health`: "this endpoint can be
 *   accessed during sleeping"), everything else waits on the stuck loop;
 * - pace: a healthy but slow server, `msPerToken` per generated token.
 *
 * `slots` mimics llama-server's `--parallel`: completions beyond it wait in
 * line, sending nothing, until a slot frees up. Requests held by a hang or a
 * wedge are answered when it ends, as the real server would once its loop moves
 * again, unless the client has given up by then.
 */
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Prefix of every completion's content: `served-by:<name>`. */
export const SERVED_BY_PREFIX = "served-by:";

export type FakeLlamaMode = "up" | "hang" | "wedge";

export interface ChatHit {
  /** Date.now() when the request arrived. */
  at: number;
  stream: boolean;
  /** The `model` field the gateway sent upstream. */
  model: string;
  /** Content of the last message (tells the gateway's health checks from client requests). */
  prompt: string;
  /** The `messages` of the request, as sent. */
  messages: unknown;
  maxTokens: number;
  /** Date.now() when the client closed the connection before the answer was complete. */
  abandonedAt?: number;
  /** Date.now() when the answer was complete. */
  answeredAt?: number;
}

export interface FakeLlamaOptions {
  /** Completions served at once (llama-server `--parallel`); unlimited when omitted. */
  slots?: number;
  /** Generated tokens when the request names no `max_tokens`. */
  defaultMaxTokens?: number;
  /**
   * Context cells per slot: a prompt whose messages hold more than 2 characters per cell is refused
   * with llama-server's 400 (exceed_context_size_error); unlimited when omitted.
   */
  contextTokens?: number;
  /** Where to listen (default 127.0.0.1 on a free port); a stand-in container listens on 0.0.0.0. */
  host?: string;
  port?: number;
}

interface Held {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  body: string;
}

export class FakeLlamaServer {
  /** Chat completions this server received (answered, held or queued). */
  readonly hits: ChatHit[] = [];
  /** Requests of any path that arrived while hung or wedged and were held. */
  hungRequests = 0;
  /** Held requests whose connection the client (the gateway) gave up on. */
  abandonedRequests = 0;
  /** `GET /health` requests seen (the gateway's checks do not use it). */
  healthRequests = 0;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: FakeLlamaMode = "up";
  private msPerToken = 0;
  private boundPort = 0;
  private held: Held[] = [];
  private busySlots = 0;
  private readonly waiting: (() => void)[] = [];
  private slots: number | undefined;

  constructor(
    readonly name: string,
    private readonly options: FakeLlamaOptions = {},
  ) {
    this.slots = options.slots;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Base URL the way LiteLLM's `openai/` provider wants it. */
  get apiBase(): string {
    return `http://127.0.0.1:${this.boundPort}/v1`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Completions waiting for a slot right now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Listens (on a free port the first time, on the same port after a kill). */
  async start(): Promise<void> {
    if (this.server) return;
    this.mode = "up";
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 60_000;
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

  /** Like a crashed process: the port refuses connections and open ones are cut. */
  async kill(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.held = [];
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Like a stopped process: connections are accepted, no request is answered, not even /health. */
  hang(): void {
    this.mode = "hang";
  }

  /** Like a stuck inference loop: /health and /v1/models answer, completions and /metrics never do. */
  wedge(): void {
    this.mode = "wedge";
  }

  /** Completions served at once from now on (llama-server `--parallel`); undefined: unlimited. */
  limitSlots(slots: number | undefined): void {
    this.slots = slots;
    while (this.waiting.length > 0 && (this.slots === undefined || this.busySlots < this.slots)) this.waiting.shift()!();
  }

  /** Each generated token takes `msPerToken` (0: instant). */
  pace(msPerToken: number): void {
    this.msPerToken = msPerToken;
  }

  /** Answers again (after hang or wedge), including the held requests whose client still waits. */
  recover(): void {
    this.mode = "up";
    const held = this.held;
    this.held = [];
    for (const h of held) if (!h.res.destroyed && !h.res.writableEnded) this.route(h.req, h.res, h.body);
  }

  /** Chat hits that arrived at or after `since` (Date.now()). */
  hitsSince(since: number): ChatHit[] {
    return this.hits.filter((h) => h.at >= since);
  }

  private holds(url: string): boolean {
    if (this.mode === "hang") return true;
    if (this.mode === "wedge") return !(url === "/health" || url === "/v1/models" || url === "/models");
    return false;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = (req.url ?? "/").split("?")[0];
      if (this.holds(url)) {
        this.hungRequests++;
        const hit = isCompletion(req.method, url) ? this.recordHit(body) : undefined;
        if (hit) (req as RequestWithHit).hit = hit;
        this.held.push({ req, res, body });
        // Not answered until recover(); count when the gateway gives up and closes the connection.
        res.on("close", () => {
          if (res.writableEnded) return;
          this.abandonedRequests++;
          if (hit) hit.abandonedAt ??= Date.now();
        });
        return;
      }
      this.route(req, res, body);
    });
  }

  private recordHit(body: string): ChatHit {
    const hit: ChatHit = { at: Date.now(), ...chatFieldsOrEmpty(body, this.options.defaultMaxTokens ?? 16) };
    this.hits.push(hit);
    return hit;
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && url === "/health") {
      this.healthRequests++;
      return json(res, 200, { status: "ok" });
    }
    if (req.method === "GET" && (url === "/v1/models" || url === "/models")) {
      return json(res, 200, { object: "list", data: [{ id: this.name, object: "model", owned_by: "llamacpp", created: 0 }] });
    }
    if (req.method === "GET" && url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(
        `# HELP llamacpp:requests_processing Requests in flight.\n# TYPE llamacpp:requests_processing gauge\nllamacpp:requests_processing ${this.busySlots}\n`,
      );
      return;
    }
    if (isCompletion(req.method, url)) {
      // A held request was recorded when it arrived.
      const hit = (req as RequestWithHit).hit ?? (isJson(body) ? this.recordHit(body) : undefined);
      if (!hit) return json(res, 400, { error: { message: "request body is not JSON", type: "invalid_request_error" } });
      const limit = this.options.contextTokens;
      // Two characters a token: denser than the four a client's estimate assumes, as digits and CJK are.
      const messages = Array.isArray(hit.messages) ? (hit.messages as { content?: unknown }[]) : [];
      const promptTokens = Math.ceil(messages.reduce((n, m) => n + String(m.content ?? "").length, 0) / 2);
      if (limit !== undefined && promptTokens + hit.maxTokens > limit)
        return json(res, 400, {
          error: {
            code: 400,
            message: `request (${promptTokens + hit.maxTokens} tokens) exceeds the available context size (${limit} tokens), try increasing it`,
            type: "exceed_context_size_error",
          },
        });
      if (!hit.abandonedAt)
        res.on("close", () => {
          if (!res.writableEnded) hit.abandonedAt ??= Date.now();
        });
      void this.complete(res, hit);
      return;
    }
    json(res, 404, { error: { message: `no route ${req.method} ${url}`, type: "not_found_error" } });
  }

  /** Waits for a slot (llama-server sends nothing meanwhile, not even headers), then generates. */
  private async complete(res: http.ServerResponse, hit: ChatHit): Promise<void> {
    const gone = () => res.destroyed || res.writableEnded;
    if (!(await this.acquireSlot(res))) return;
    try {
      if (hit.stream) await this.streamCompletion(res, hit, gone);
      else {
        await sleep(this.msPerToken * hit.maxTokens);
        if (gone()) return;
        json(res, 200, this.completion(hit));
      }
      hit.answeredAt = Date.now();
    } finally {
      this.releaseSlot();
    }
  }

  private acquireSlot(res: http.ServerResponse): Promise<boolean> {
    const slots = this.slots;
    if (slots === undefined || this.busySlots < slots) {
      this.busySlots++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        res.off("close", leave);
        this.busySlots++;
        resolve(true);
      };
      const leave = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(false);
      };
      this.waiting.push(grant);
      res.once("close", leave);
    });
  }

  private releaseSlot(): void {
    this.busySlots--;
    if (this.slots === undefined || this.busySlots < this.slots) this.waiting.shift()?.();
  }

  private content(hit: ChatHit): string[] {
    // One piece per generated token: the name first, then filler.
    return [`${SERVED_BY_PREFIX}${this.name}`, ...Array.from({ length: Math.max(0, hit.maxTokens - 1) }, () => " .")];
  }

  private completion(hit: ChatHit): object {
    return {
      id: `chatcmpl-${this.name}-${this.hits.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: hit.model,
      choices: [{ index: 0, message: { role: "assistant", content: this.content(hit).join("") }, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: hit.maxTokens, total_tokens: 5 + hit.maxTokens },
    };
  }

  /** Like llama-server: status and headers go out with the first token (ggml-org/llama.cpp#16486), then a chunk per token. */
  private async streamCompletion(res: http.ServerResponse, hit: ChatHit, gone: () => boolean): Promise<void> {
    const id = `chatcmpl-${this.name}-${this.hits.length}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: hit.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const pieces = this.content(hit);
    for (let i = 0; i < pieces.length; i++) {
      await sleep(this.msPerToken);
      if (gone()) return;
      if (i === 0) res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(chunk(i === 0 ? { role: "assistant", content: pieces[i] } : { content: pieces[i] }, null));
    }
    if (gone()) return;
    res.write(chunk({}, "stop"));
    res.end("data: [DONE]\n\n");
  }
}

interface RequestWithHit extends http.IncomingMessage {
  hit?: ChatHit;
}

function isCompletion(method: string | undefined, url: string): boolean {
  return method === "POST" && (url === "/v1/chat/completions" || url === "/chat/completions");
}

function isJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

function chatFieldsOrEmpty(body: string, defaultMaxTokens: number): Omit<ChatHit, "at"> {
  try {
    const parsed = JSON.parse(body) as { stream?: unknown; model?: unknown; messages?: { content?: unknown }[]; max_tokens?: unknown };
    const last = Array.isArray(parsed.messages) ? parsed.messages[parsed.messages.length - 1] : undefined;
    const maxTokens = typeof parsed.max_tokens === "number" && parsed.max_tokens >= 1 ? Math.floor(parsed.max_tokens) : defaultMaxTokens;
    return {
      stream: parsed.stream === true,
      model: typeof parsed.model === "string" ? parsed.model : "",
      prompt: typeof last?.content === "string" ? last.content : "",
      messages: parsed.messages,
      maxTokens,
    };
  } catch {
    return { stream: false, model: "", prompt: "", messages: undefined, maxTokens: defaultMaxTokens };
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function json(res: http.ServerResponse, status: number, payload: object): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
