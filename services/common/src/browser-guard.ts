/**
 * Keeps web pages out of our services. Their callers are programs (the other
 * services, the CLI, Prometheus), never a browser, yet a page the user opens
 * can reach any port on 127.0.0.1 or the stack's published ports:
 * - a cross-origin request carries an Origin header: refused, unless the
 *   operator allowed that origin;
 * - a "simple" POST (form or text/plain body) needs no CORS preflight, so the
 *   page can send it blind: a body must be declared JSON;
 * - DNS rebinding makes the page same-origin with the service under the
 *   attacker's domain name, and then no Origin is sent: the Host must be an IP
 *   literal, `localhost`, or a single-label name (Docker's service and
 *   container names), since a public domain always has a dot.
 */
import type * as http from "node:http";

export interface BrowserGuardOptions {
  /** Origins a page may call from (exact, e.g. "http://localhost:3000"); none by default. */
  allowedOrigins?: readonly string[];
  /** Host names with a dot that callers may use (e.g. "ai.internal"); none by default. */
  allowedHosts?: readonly string[];
}

export interface Refusal {
  status: number;
  detail: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The host name of a Host header, without its port ("[::1]:8002" -> "::1"). */
function hostName(host: string): string {
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]")).toLowerCase();
  return host.replace(/:\d+$/, "").toLowerCase();
}

/** Why this request looks like it came from a web page, or undefined when it may go on. */
export function browserRefusal(method: string, headers: http.IncomingHttpHeaders, options: BrowserGuardOptions = {}): Refusal | undefined {
  const origin = headers.origin;
  if (origin !== undefined && !(options.allowedOrigins ?? []).includes(origin))
    return {
      status: 403,
      detail: `cross-origin request from ${origin} refused: this API serves programs, not web pages (allow an origin with ALLOWED_ORIGINS)`,
    };
  const host = hostName(headers.host ?? "");
  const isAddress = IPV4.test(host) || host.includes(":");
  if (host && !isAddress && host !== "localhost" && host.includes(".") && !(options.allowedHosts ?? []).includes(host))
    return {
      status: 421,
      detail: `Host ${host} refused: call this service by IP address, localhost or its service name (allow a name with ALLOWED_HOSTS)`,
    };
  const type = (headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const hasBody = Number(headers["content-length"] ?? 0) > 0 || headers["transfer-encoding"] !== undefined;
  if (method !== "GET" && method !== "HEAD" && (type || hasBody) && type !== "application/json")
    return { status: 415, detail: `content-type ${type || "(none)"} refused: send the body as application/json` };
  return undefined;
}

/** ALLOWED_ORIGINS and ALLOWED_HOSTS: comma-separated, empty by default. */
export function browserGuardFromEnv(env: Record<string, string | undefined>): BrowserGuardOptions {
  const list = (name: string) =>
    (env[name] ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  return { allowedOrigins: list("ALLOWED_ORIGINS"), allowedHosts: list("ALLOWED_HOSTS").map((h) => h.toLowerCase()) };
}
