/**
 * A minimal JSON HTTP server: exact-path routes, bounded JSON bodies,
 * FastAPI-shaped errors, and per-route request metrics.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { bearerAuthFromEnv, bearerRefusal, type BearerAuth } from "./bearer-auth.ts";
import { browserGuardFromEnv, browserRefusal, type BrowserGuardOptions } from "./browser-guard.ts";
import { HttpError } from "./http-error.ts";
import type { HttpMetrics } from "./metrics.ts";
import { log } from "./log.ts";

export interface RequestContext {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  /** The body parsed as JSON; a body that is not JSON is a 422, one over the limit a 413. */
  json(): Promise<unknown>;
  /** The raw body, empty when none was sent. */
  text(): Promise<string>;
}

export interface Reply {
  status: number;
  /** Sent as JSON unless `text` is given. */
  body?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply;

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  handler: Handler;
}

export interface HttpAppOptions {
  service: string;
  routes: Route[];
  metrics: HttpMetrics;
  maxBodyBytes: number;
  /** Who counts as a web page (browser-guard.ts); default from ALLOWED_ORIGINS and ALLOWED_HOSTS. */
  guard?: BrowserGuardOptions;
  /** Limits on clients (defaults: CLIENT_LIMITS). */
  limits?: Partial<ClientLimits>;
  /** The bearer token callers must send (bearer-auth.ts); default from SERVICE_TOKEN_FILE, none when unset. */
  auth?: BearerAuth;
}

export interface ClientLimits {
  /** A request's headers and body must have arrived within this (a slow client is cut off with 408). */
  requestTimeoutMs: number;
  /** The headers must have arrived within this. */
  headersTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections held at once; further ones are closed at once. */
  maxConnections: number;
}

// Keep-alive longer than the keep-alive of the clients we know (Node's agent, python's urllib3), so a
// reused connection is not closed under a request; headers and body within a minute or two.
export const CLIENT_LIMITS: ClientLimits = {
  requestTimeoutMs: 120_000,
  headersTimeoutMs: 66_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 512,
};

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export function createHttpApp(options: HttpAppOptions): http.Server {
  const guard = options.guard ?? browserGuardFromEnv(process.env);
  const auth = "auth" in options ? options.auth : bearerAuthFromEnv(process.env);
  const byPath = new Map<string, Route[]>();
  for (const route of options.routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);

  const limits = { ...CLIENT_LIMITS, ...options.limits };
  // Node checks those deadlines every connectionsCheckingInterval (30 s by default).
  const checkEveryMs = Math.max(100, Math.min(30_000, Math.floor(limits.headersTimeoutMs / 2)));
  const server = http.createServer({ connectionsCheckingInterval: checkEveryMs }, (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const candidates = byPath.get(url.pathname);
    const route = candidates?.find((r) => r.method === method);
    const handlerLabel = candidates ? url.pathname : "unmatched";

    const send = (reply: Reply) => {
      const isText = reply.text !== undefined;
      const payload = isText ? reply.text! : reply.body === undefined ? "" : JSON.stringify(reply.body);
      const headers: Record<string, string | number> = {
        "content-type": reply.contentType ?? (isText ? "text/plain; charset=utf-8" : "application/json"),
        "content-length": Buffer.byteLength(payload),
        ...reply.headers,
      };
      res.writeHead(reply.status, headers);
      res.end(payload);
      const labels = { handler: handlerLabel, method, status: String(reply.status) };
      options.metrics.requests.inc(labels);
      options.metrics.duration.observe(labels, (performance.now() - started) / 1000);
    };

    const refusal = browserRefusal(method, req.headers, guard);
    if (refusal) {
      req.resume();
      send({ status: refusal.status, body: { detail: refusal.detail } });
      return;
    }

    const unauthorized = bearerRefusal(method, url, req.headers, auth);
    if (unauthorized) {
      req.resume();
      send({ status: unauthorized.status, body: { detail: unauthorized.detail }, headers: unauthorized.headers });
      return;
    }

    if (!route) {
      // Drain whatever was sent so the connection can be reused.
      req.resume();
      send(candidates ? { status: 405, body: { detail: "Method Not Allowed" } } : { status: 404, body: { detail: "Not Found" } });
      return;
    }

    let bodyText: Promise<string> | undefined;
    const readText = () => (bodyText ??= readBody(req, options.maxBodyBytes));
    const ctx: RequestContext = {
      method,
      url,
      headers: req.headers,
      text: readText,
      json: async () => parseJson(await readText()),
    };

    Promise.resolve()
      .then(() => route.handler(ctx))
      .then(send, (error: unknown) => {
        if (error instanceof HttpError) {
          send({ status: error.status, body: error.body(), headers: error.headers });
          return;
        }
        log("error", `${options.service}: ${method} ${url.pathname} failed`, {
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
        send({ status: 500, body: { detail: "Internal Server Error" } });
      })
      .finally(() => {
        // An unread body (handler did not need it) must not block keep-alive.
        if (!bodyText) req.resume();
      });
  });
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return server;
}

/** Listens on host:port (0 = any free port) and returns how to reach and stop it. */
export async function listen(server: http.Server, port: number, host: string): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return {
    server,
    port: bound,
    url: `http://${shown}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The body, up to `maxBytes`. One that says (Content-Length) or turns out to be
 * larger is refused with 413 as soon as that is known, without reading the rest:
 * the reply asks to close the connection, and the socket goes once it is sent.
 */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string> {
  const tooLarge = () => new HttpError(413, `request body exceeds ${maxBytes} bytes`, { headers: { connection: "close" } });
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > maxBytes) {
      req.pause();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off("data", onData);
      req.pause();
      chunks.length = 0;
      reject(tooLarge());
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(422, [{ type: "json_invalid", loc: ["body"], msg: `JSON decode error: ${(error as Error).message}` }]);
  }
}
