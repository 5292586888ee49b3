/**
 * Where a registry image's manifest lives (the Docker Registry HTTP API v2,
 * which Docker Hub, ghcr.io, nvcr.io and the `distribution` registry all
 * speak), and how to read a registry's token challenge. Pure: the requests are
 * ops/images/registry-digest.ts's.
 */
import { parseImageRef } from "./images";

export interface ManifestLocation {
  /** Registry host as written in the reference (docker.io for none). */
  host: string;
  /** Base URL of the registry's API. */
  baseUrl: string;
  repository: string;
  tag: string;
  /** GET/HEAD this for the manifest (or image index) the tag points to. */
  manifestUrl: string;
}

/** Everything a multi-platform tag may point to: the digest of what the tag names, index or manifest. */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/**
 * `plainHttp`: registry hosts spoken to over http (a local registry); Docker itself
 * allows that for 127.0.0.0/8 and localhost only, and so does the default here.
 */
export function manifestLocation(ref: string, plainHttp: (host: string) => boolean = isLoopbackHost): ManifestLocation {
  const { repository, tag } = parseImageRef(ref);
  if (!tag) throw new Error(`${ref}: no tag to resolve`);
  const first = repository.split("/")[0]!;
  const hasHost = repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const host = hasHost ? first : "docker.io";
  let path = hasHost ? repository.slice(first.length + 1) : repository;
  if (host === "docker.io" && !path.includes("/")) path = `library/${path}`;
  const apiHost = host === "docker.io" ? "registry-1.docker.io" : host;
  const baseUrl = `${plainHttp(host) ? "http" : "https"}://${apiHost}`;
  return { host, baseUrl, repository: path, tag, manifestUrl: `${baseUrl}/v2/${path}/manifests/${encodeURIComponent(tag)}` };
}

export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, "");
  return name === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** The token request a `WWW-Authenticate: Bearer realm="...",service="...",scope="..."` challenge asks for. */
export function tokenUrl(challenge: string, repository: string): string | undefined {
  const match = /^Bearer\s+(.*)$/i.exec(challenge.trim());
  if (!match) return undefined;
  const params = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  if (!params.realm) return undefined;
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set("service", params.service);
  url.searchParams.set("scope", params.scope ?? `repository:${repository}:pull`);
  return url.toString();
}
