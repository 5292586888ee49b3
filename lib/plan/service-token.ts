/**
 * The stack token our own HTTP services (RAG, the embedding service) require
 * of their callers (services/common/src/bearer-auth.ts): the stack secret
 * serviceToken, generated when unset, shipped as a file.
 */
import type { StackConfig } from "../config/schema";
import type { FileSpec } from "./service-spec";

export const SERVICE_TOKEN_FILE = "/run/secrets/service-token";
export const SERVICE_TOKEN_FILE_SPEC: FileSpec = { path: SERVICE_TOKEN_FILE, content: "", secret: "serviceToken" };

/** Our services that require the token in this stack (RAG only in our own implementation). */
export function tokenRequired(config: StackConfig, service: "rag" | "embedding"): boolean {
  return service === "rag" ? config.rag.requireToken && config.rag.implementation === "own" : config.embedding.requireToken;
}
