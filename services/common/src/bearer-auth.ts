/**
 * The stack token our services require (SERVICE_TOKEN_FILE, a file the plan
 * ships into the container): every route but the public ones answers 401
 * without `Authorization: Bearer <token>`. The probes' GET /health stays open.
 */
import { timingSafeEqual } from "node:crypto";
import type * as http from "node:http";
import { readSecretFile } from "./secret-file.ts";

export interface BearerAuth {
  token: string;
  /** Paths answered without the token (GET only). */
  publicPaths: string[];
}

export const PUBLIC_PATHS = ["/health"];
export const TOKEN_FILE_ENV = "SERVICE_TOKEN_FILE";

/** The service's auth from its env: undefined (no token required) when SERVICE_TOKEN_FILE is unset. */
export function bearerAuthFromEnv(env: Record<string, string | undefined>): BearerAuth | undefined {
  const file = env[TOKEN_FILE_ENV];
  return file ? { token: readSecretFile(file, TOKEN_FILE_ENV), publicPaths: PUBLIC_PATHS } : undefined;
}

/**
 * A 401 for a request without the token, or undefined when it may pass. A
 * public path is public without a query only: RAG's /health?llm=true spends
 * the gateway key, so it needs the token like /query.
 */
export function bearerRefusal(method: string, url: URL, headers: http.IncomingHttpHeaders, auth: BearerAuth | undefined) {
  if (!auth) return undefined;
  if (method === "GET" && auth.publicPaths.includes(url.pathname) && url.search === "") return undefined;
  const given = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1] ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(auth.token);
  if (a.length === b.length && timingSafeEqual(a, b)) return undefined;
  return { status: 401, detail: "missing or wrong bearer token (the stack's serviceToken)", headers: { "www-authenticate": "Bearer" } };
}
