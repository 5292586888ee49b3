/** Per-service allowlists in policy config: `{ "<service>": [entries] }`, with "*" for every service. */
import type { ContainerView } from "./container-view";

export type ServiceAllowlist<T> = Record<string, T[]>;

export function allowedFor<T>(allowlist: ServiceAllowlist<T> | undefined, c: ContainerView): T[] {
  return [...(allowlist?.[c.service] ?? []), ...(allowlist?.["*"] ?? [])];
}

export const allowlistSchema = (item: { type: "string" | "integer" }) => ({
  type: "object" as const,
  additionalProperties: { type: "array" as const, items: item },
  default: {},
});
