/**
 * A small OpenAI-compatible stand-in for llama-server on 127.0.0.1: `/health`,
 * `/v1/models`, `/v1/chat/completions` (plain and `stream`), `/metrics`. Every
 * answer names the server that gave it, so a test can see where the gateway sent
 * a request. It can be killed (connections refused), hung (accepts, never
 * answers) and brought back on the same port.
 */
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Prefix of every completion's content: `served-by:<name>`. */
export const SERVED_BY_PREFIX = "served-by:";

export type FakeLlamaMode = "up" | "hang";

export interface ChatHit {
  /** Date.now() when the request arrived. */
  at: number;
  stream: boolean;
  /** The `model` field the gateway sent upstream. */
  model: string;
  /** The `messages` of the request, as sent. */
  messages: unknown;
}

export class FakeLlamaServer {
  /** Chat completions this server answered (or swallowed, when hung). */
  readonly hits: ChatHit[] = [];
  /** Requests of any path that arrived while hung and got no answer. */
  hungRequests = 0;
  /** Hung requests whose connection the client (the gateway) gave up on. */
  abandonedRequests = 0;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: FakeLlamaMode = "up";
  private boundPort = 0;

  constructor(readonly name: string) {}

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
      server.listen(this.boundPort, "127.0.0.1", () => resolve());
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Like a crashed process: the port refuses connections and open ones are cut. */
  async kill(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Like a wedged process: connections are accepted, requests never answered. */
  hang(): void {
    this.mode = "hang";
  }

  /** Answers again (after hang). */
  recover(): void {
    this.mode = "up";
  }

  /** Chat hits that arrived at or after `since` (Date.now()). */
  hitsSince(since: number): ChatHit[] {
    return this.hits.filter((h) => h.at >= since);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (this.mode === "hang") {
        this.hungRequests++;
        if (req.url?.startsWith("/v1/chat/completions")) this.hits.push({ at: Date.now(), ...chatFieldsOrEmpty(body) });
        // Never answer; count when the gateway gives up and closes the connection.
        res.on("close", () => this.abandonedRequests++);
        return;
      }
      this.route(req, res, body);
    });
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && url === "/health") return json(res, 200, { status: "ok" });
    if (req.method === "GET" && (url === "/v1/models" || url === "/models")) {
      return json(res, 200, { object: "list", data: [{ id: this.name, object: "model", owned_by: "llamacpp", created: 0 }] });
    }
    if (req.method === "GET" && url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(`# HELP llamacpp:requests_processing Requests in flight.\n# TYPE llamacpp:requests_processing gauge\nllamacpp:requests_processing 0\n`);
      return;
    }
    if (req.method === "POST" && (url === "/v1/chat/completions" || url === "/chat/completions")) {
      let fields: Omit<ChatHit, "at">;
      try {
        fields = chatFields(body);
      } catch {
        return json(res, 400, { error: { message: "request body is not JSON", type: "invalid_request_error" } });
      }
      this.hits.push({ at: Date.now(), ...fields });
      return fields.stream ? this.streamCompletion(res, fields.model) : json(res, 200, this.completion(fields.model));
    }
    json(res, 404, { error: { message: `no route ${req.method} ${url}`, type: "not_found_error" } });
  }

  private completion(model: string): object {
    return {
      id: `chatcmpl-${this.name}-${this.hits.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: "assistant", content: `${SERVED_BY_PREFIX}${this.name}` }, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    };
  }

  private streamCompletion(res: http.ServerResponse, model: string): void {
    const id = `chatcmpl-${this.name}-${this.hits.length}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(chunk({ role: "assistant", content: SERVED_BY_PREFIX }, null));
    res.write(chunk({ content: this.name }, null));
    res.write(chunk({}, "stop"));
    res.end("data: [DONE]\n\n");
  }
}

function chatFields(body: string): Omit<ChatHit, "at"> {
  const parsed = JSON.parse(body) as { stream?: unknown; model?: unknown; messages?: unknown };
  return { stream: parsed.stream === true, model: typeof parsed.model === "string" ? parsed.model : "", messages: parsed.messages };
}

function chatFieldsOrEmpty(body: string): Omit<ChatHit, "at"> {
  try {
    return chatFields(body);
  } catch {
    return { stream: false, model: "", messages: undefined };
  }
}

function json(res: http.ServerResponse, status: number, payload: object): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
