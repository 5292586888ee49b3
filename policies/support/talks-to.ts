/**
 * Which other containers a container talks to, read from its env values and
 * argv: a URL host (`http://qdrant:6333`), a `host:port` pair, or a value that
 * is exactly another container's name. Paths such as /etc/grafana do not count.
 */
import type { ContainerView } from "./container-view";

export interface Reference {
  target: ContainerView;
  /** Where the name was found, e.g. `env QDRANT_URL=http://qdrant:6333`. */
  evidence: string;
}

export function referencesName(text: string, name: string): boolean {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const url = new RegExp(`://(?:[^@/\\s]*@)?${n}(?=[:/?#\\s"',;]|$)`);
  const hostPort = new RegExp(`(?:^|[\\s,;=@"'(\\[])${n}:\\d+`);
  return url.test(text) || hostPort.test(text) || text.split(/[\s,;]+/).includes(name);
}

export function talksTo(c: ContainerView, others: readonly ContainerView[]): Reference[] {
  const sources = [
    ...Object.entries(c.env).map(([k, v]) => ({ text: v, evidence: `env ${k}=${v}` })),
    ...(c.props.entrypoints ?? []).map((a) => ({ text: a, evidence: `entrypoint argument "${a}"` })),
    ...(c.props.command ?? []).map((a) => ({ text: a, evidence: `command argument "${a}"` })),
  ];
  const found: Reference[] = [];
  for (const target of others) {
    if (target.urn === c.urn) continue;
    const hit = sources.find((s) => typeof s.text === "string" && target.names.some((name) => referencesName(s.text, name)));
    if (hit) found.push({ target, evidence: hit.evidence });
  }
  return found;
}
