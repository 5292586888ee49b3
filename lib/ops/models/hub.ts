/**
 * The Hugging Face hub's resolve endpoint, as `models add` and `pull` use it:
 *
 * - `HEAD <base>/<repo>/resolve/<revision>/<file>` without following the
 *   redirect to the CDN: for an LFS file the hub's own 302 carries
 *   `X-Repo-Commit` (the commit the revision resolves to), `X-Linked-Etag` (the
 *   file's sha256, quoted) and `X-Linked-Size`; the CDN's response carries none
 *   of them (huggingface_hub `get_hf_file_metadata`, huggingface/hf-hub#212).
 *   Relative redirects (a renamed repository) are followed, as huggingface_hub does.
 * - `GET` with `Range: bytes=a-b` on the same URL pinned to the commit; fetch
 *   follows the redirect to the CDN, which answers 206 with `Content-Range`.
 *
 * `HF_TOKEN` (if set) is sent as a bearer token for gated or private repos;
 * fetch drops it on the cross-origin redirect to the CDN.
 */
import type { RangeReader } from "./header-read";

export const DEFAULT_HUB_URL = "https://huggingface.co";

export type Fetch = typeof fetch;

export interface HubFile {
  repo: string;
  file: string;
  revision: string;
}

export interface HubFileInfo {
  /** The 40-hex commit the revision resolved to. */
  commit: string;
  size: number;
  sha256: string;
}

export class HubError extends Error {
  override name = "HubError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface HubOptions {
  baseUrl?: string;
  fetch?: Fetch;
  /** Bearer token; default $HF_TOKEN. */
  token?: string;
  /** Per request (headers and body of a header read); default 60 s. */
  timeoutMs?: number;
}

export function resolveUrl(baseUrl: string, { repo, file, revision }: HubFile): string {
  const base = baseUrl.replace(/\/+$/, "");
  const enc = (p: string) => p.split("/").map(encodeURIComponent).join("/");
  return `${base}/${enc(repo)}/resolve/${encodeURIComponent(revision)}/${enc(file)}`;
}

export function authHeaders(options: HubOptions): Record<string, string> {
  const token = options.token ?? process.env.HF_TOKEN;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

const describe = (f: HubFile) => `${f.repo}/${f.file} at ${f.revision}`;

/** The commit, size and sha256 the hub states for a file (a HEAD request; nothing is downloaded). */
export async function hubFileInfo(target: HubFile, options: HubOptions = {}): Promise<HubFileInfo> {
  const doFetch = options.fetch ?? fetch;
  let url = resolveUrl(options.baseUrl ?? DEFAULT_HUB_URL, target);
  for (let hop = 0; hop < 5; hop++) {
    const response = await doFetch(url, {
      method: "HEAD",
      redirect: "manual",
      headers: { ...authHeaders(options), "Accept-Encoding": "identity" },
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    }).catch((error: unknown) => {
      throw new HubError(`${describe(target)}: cannot reach ${new URL(url).origin}: ${(error as Error).message}`);
    });
    const h = response.headers;
    const location = h.get("location");
    if (response.status >= 300 && response.status < 400 && location && !h.get("x-linked-etag") && isRelative(location)) {
      url = new URL(location, url).toString();
      continue;
    }
    if (response.status >= 400) throw statusError(target, response);
    const commit = h.get("x-repo-commit") ?? "";
    const etag = (h.get("x-linked-etag") ?? h.get("etag") ?? "").replace(/^W\//, "").replace(/"/g, "");
    const sizeText = h.get("x-linked-size") ?? (response.status < 300 ? h.get("content-length") : null);
    if (!/^[0-9a-f]{40}$/.test(commit)) {
      throw new HubError(`${describe(target)}: the hub sent no commit id (X-Repo-Commit ${JSON.stringify(commit || null)}), so the revision cannot be pinned`);
    }
    if (!/^[0-9a-f]{64}$/.test(etag)) {
      throw new HubError(
        `${describe(target)}: the hub sent no sha256 (X-Linked-Etag ${JSON.stringify(etag || null)}); ` +
          (/^[0-9a-f]{40}$/.test(etag) ? "that is a git blob id: the file is not stored in LFS, so it is no model file" : "is it an LFS file?"),
      );
    }
    const size = Number(sizeText);
    if (!sizeText || !Number.isSafeInteger(size) || size <= 0) throw new HubError(`${describe(target)}: the hub sent no file size (X-Linked-Size ${JSON.stringify(sizeText)})`);
    return { commit, size, sha256: etag };
  }
  throw new HubError(`${describe(target)}: more than 5 redirects`);
}

function isRelative(location: string): boolean {
  return location.startsWith("/") && !location.startsWith("//");
}

/** A clear message for a failed request, with the hub's own error code (X-Error-Code) when it sends one. */
export function statusError(target: HubFile, response: Response): HubError {
  const code = response.headers.get("x-error-code");
  const message = response.headers.get("x-error-message");
  const why: Record<string, string> = {
    RepoNotFound: `no repository ${target.repo} (or it is private: set HF_TOKEN)`,
    EntryNotFound: `${target.repo} has no file ${target.file} at ${target.revision}`,
    RevisionNotFound: `${target.repo} has no revision ${target.revision}`,
    GatedRepo: `${target.repo} is gated: accept its terms on the hub and set HF_TOKEN`,
  };
  const reason =
    (code && why[code]) ??
    (response.status === 404 ? `not found (${target.repo}, ${target.file}, revision ${target.revision})` : response.status === 401 || response.status === 403 ? "not allowed (private or gated: set HF_TOKEN)" : "the hub refused the request");
  return new HubError(`${describe(target)}: HTTP ${response.status}${code ? ` ${code}` : ""}: ${reason}${message ? ` (${message})` : ""}`, response.status);
}

/**
 * Range reads of a hub file for the header parser, counting the bytes that
 * arrive. A server that ignores Range (200) is read only as far as needed.
 */
export function hubRangeReader(target: HubFile, options: HubOptions = {}): { read: RangeReader; stats: { bytes: number; requests: number } } {
  const doFetch = options.fetch ?? fetch;
  const url = resolveUrl(options.baseUrl ?? DEFAULT_HUB_URL, target);
  const stats = { bytes: 0, requests: 0 };
  const read: RangeReader = async (start, end) => {
    stats.requests++;
    const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
    const response = await doFetch(url, { headers: { ...authHeaders(options), Range: `bytes=${start}-${end - 1}`, "Accept-Encoding": "identity" }, signal }).catch((error: unknown) => {
      throw new HubError(`${describe(target)}: range ${start}-${end - 1} failed: ${(error as Error).message}`);
    });
    if (response.status === 416) return new Uint8Array(0);
    if (response.status !== 206 && response.status !== 200) throw statusError(target, response);
    const skip = response.status === 200 ? start : 0;
    if (response.status === 206) {
      const from = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "")?.[1];
      if (from !== undefined && Number(from) !== start) throw new HubError(`${describe(target)}: asked for bytes from ${start}, got a range from ${from}`);
    }
    const wanted = end - start;
    const out = new Uint8Array(wanted);
    let got = 0;
    let seen = 0;
    const reader = response.body!.getReader();
    try {
      while (got < wanted) {
        const { done, value } = await reader.read();
        if (done) break;
        stats.bytes += value.byteLength;
        const from = Math.max(0, skip - seen);
        seen += value.byteLength;
        if (from >= value.byteLength) continue;
        const part = value.subarray(from, from + (wanted - got));
        out.set(part, got);
        got += part.byteLength;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    return out.subarray(0, got);
  };
  return { read, stats };
}
