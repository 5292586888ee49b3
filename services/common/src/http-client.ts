/**
 * A small JSON-over-HTTP client on node:http, because the built-in fetch has
 * no separate connect timeout: a dead host must fail within the connect
 * deadline, a slow answer within the request deadline.
 */
import * as http from "node:http";
import * as https from "node:https";
import { UpstreamError } from "./upstream-error.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface HttpCall {
  /** Names the upstream in errors and metrics, e.g. "qdrant". */
  upstream: string;
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Deadline for the whole exchange, connect included. */
  timeoutMs: number;
  /** Deadline for the TCP connect alone; defaults to timeoutMs. */
  connectTimeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Answers larger than this are refused instead of buffered. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
const CONNECT_ERRORS = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);
/** Errors of a kept-alive socket the server had already closed: safe to resend once on a fresh one. */
const STALE_SOCKET_ERRORS = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** Sends the call; resolves with any HTTP status, rejects with UpstreamError on transport failures. */
export async function httpCall(call: HttpCall): Promise<HttpAnswer> {
  try {
    return await once(call);
  } catch (error) {
    if (error instanceof StaleSocket) return once(call);
    throw error;
  }
}

/** httpCall, then JSON.parse of a 2xx answer; a non-2xx answer becomes an UpstreamError "http" with the upstream's message. */
export async function httpJson<T>(call: HttpCall): Promise<T> {
  const answer = await httpCall(call);
  if (answer.status < 200 || answer.status >= 300) {
    throw new UpstreamError(call.upstream, "http", `${call.upstream} answered ${answer.status}: ${errorText(answer.text)}`, answer.status);
  }
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    throw new UpstreamError(
      call.upstream,
      "http",
      `${call.upstream} answered ${answer.status} with a body that is not JSON: ${snippet(answer.text)}`,
      502,
    );
  }
}

/** The message inside common error bodies ({"error":{"message"}}, {"status":{"error"}}, {"detail"}), else the text itself. */
export function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const error = parsed.error;
    if (typeof error === "string") return snippet(error);
    if (error && typeof error === "object" && typeof (error as { message?: unknown }).message === "string")
      return snippet((error as { message: string }).message);
    const status = parsed.status;
    if (status && typeof status === "object" && typeof (status as { error?: unknown }).error === "string")
      return snippet((status as { error: string }).error);
    if (typeof parsed.detail === "string") return snippet(parsed.detail);
  } catch {
    // not JSON: use the text
  }
  return snippet(body);
}

export function snippet(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat || "(empty body)";
}

class StaleSocket extends Error {}

function once(call: HttpCall): Promise<HttpAnswer> {
  const url = new URL(call.url);
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new UpstreamError(call.upstream, "connect", `${call.upstream}: unsupported URL ${call.url}`));
  const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
  const headers: Record<string, string> = { accept: "application/json", ...call.headers };
  if (payload) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(payload.length);
  }
  const request = url.protocol === "https:" ? https.request : http.request;
  const where = `${call.method} ${url.origin}${url.pathname}`;

  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(connectDeadline);
      if (error) reject(error);
      else resolve(answer!);
    };
    const req = request(url, { method: call.method, headers, agent });
    let connectDeadline: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      const error = new UpstreamError(call.upstream, "timeout", `${call.upstream} did not answer ${where} within ${call.timeoutMs} ms`);
      finish(error);
      req.destroy(error);
    }, call.timeoutMs);

    req.on("socket", (socket) => {
      if (!socket.connecting) return;
      const limit = Math.min(call.connectTimeoutMs ?? call.timeoutMs, call.timeoutMs);
      connectDeadline = setTimeout(() => {
        const error = new UpstreamError(call.upstream, "connect", `${call.upstream}: no connection to ${url.host} within ${limit} ms`);
        finish(error);
        req.destroy(error);
      }, limit);
      socket.once("connect", () => clearTimeout(connectDeadline));
    });

    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          const error = new UpstreamError(
            call.upstream,
            "network",
            `${call.upstream}: answer to ${where} exceeds ${MAX_ANSWER_BYTES} bytes`,
          );
          finish(error);
          req.destroy(error);
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () =>
        finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", (error) =>
        finish(new UpstreamError(call.upstream, "network", `${call.upstream}: ${where} broke off: ${error.message}`)),
      );
    });

    req.on("error", (error: NodeJS.ErrnoException) => {
      if (settled) return;
      const code = error.code ?? "";
      if (req.reusedSocket && STALE_SOCKET_ERRORS.has(code)) return finish(new StaleSocket(code));
      const failure = CONNECT_ERRORS.has(code) ? "connect" : "network";
      finish(new UpstreamError(call.upstream, failure, `${call.upstream} unreachable for ${where}: ${code || error.message}`));
    });

    req.end(payload);
  });
}
