/**
 * Reads the digest a tag points to from its registry: a HEAD of the manifest
 * (anonymous, with the registry's pull token where it challenges for one), its
 * Docker-Content-Digest header, else the sha256 of the manifest a GET returns.
 * Nothing is guessed: any failure is reported as the reason, never a digest.
 */
import { createHash } from "node:crypto";
import { IMAGE_ID } from "../../lib/images";
import { MANIFEST_ACCEPT, manifestLocation, tokenUrl } from "../../lib/registry-ref";

export type DigestResult = { ref: string; digest: string; source: string } | { ref: string; error: string };

export interface DigestOptions {
  fetch?: typeof fetch;
  /** Registry hosts to speak plain http to (default: loopback ones). */
  plainHttp?: (host: string) => boolean;
  timeoutMs?: number;
  /** For the source line. */
  today?: string;
}

export async function registryDigest(ref: string, options: DigestOptions = {}): Promise<DigestResult> {
  const doFetch = options.fetch ?? fetch;
  const timeout = () => AbortSignal.timeout(options.timeoutMs ?? 30_000);
  try {
    const where = manifestLocation(ref, options.plainHttp);
    const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
    let res = await doFetch(where.manifestUrl, { method: "HEAD", headers, signal: timeout() });
    const challenge = res.headers.get("www-authenticate");
    if (res.status === 401 && challenge) {
      const url = tokenUrl(challenge, where.repository);
      if (!url) return { ref, error: `${where.host} asks for credentials this task does not have (${challenge})` };
      const tokenRes = await doFetch(url, { signal: timeout() });
      if (!tokenRes.ok) return { ref, error: `${where.host}'s token service answered ${tokenRes.status}` };
      const body = (await tokenRes.json()) as { token?: string; access_token?: string };
      headers.authorization = `Bearer ${body.token ?? body.access_token ?? ""}`;
      res = await doFetch(where.manifestUrl, { method: "HEAD", headers, signal: timeout() });
    }
    if (res.status === 404) return { ref, error: `${where.host} has no tag ${where.tag} in ${where.repository}` };
    if (!res.ok) return { ref, error: `${where.host} answered ${res.status} for ${where.manifestUrl}` };
    let digest = res.headers.get("docker-content-digest") ?? "";
    if (!IMAGE_ID.test(digest)) {
      const got = await doFetch(where.manifestUrl, { headers, signal: timeout() });
      if (!got.ok) return { ref, error: `${where.host} answered ${got.status} to a GET of the manifest` };
      digest = `sha256:${createHash("sha256")
        .update(Buffer.from(await got.arrayBuffer()))
        .digest("hex")}`;
    }
    const today = options.today ?? new Date().toISOString().slice(0, 10);
    return { ref, digest, source: `${where.host} manifest of ${where.repository}:${where.tag}, read ${today}` };
  } catch (error) {
    return { ref, error: (error as Error).message };
  }
}
