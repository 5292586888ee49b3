/**
 * A digest of everything the plan decides about one container. It changes
 * whenever the plan changes the container (and, rarely, when a field that
 * reaches no container changes): the pre-change backup reruns when it does.
 */
import { createHash } from "node:crypto";
import type { ServiceSpec } from "./service-spec";

export function containerChangeDigest(spec: ServiceSpec): string {
  return createHash("sha256").update(canonicalJson(spec)).digest("hex").slice(0, 32);
}

/** JSON with object keys sorted, so the digest does not depend on the order a planner wrote them in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
