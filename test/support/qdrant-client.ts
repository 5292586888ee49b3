/**
 * The few Qdrant calls the deploy tests make of the real server: a collection's
 * exact point count, and a throwaway Qdrant (the real image) started on storage
 * a stack left behind, to prove the data survived.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PINNED_IMAGES } from "../../lib/images";
import { QDRANT_ENTRYPOINT } from "../../lib/plan/qdrant";
import { docker, dockerOk } from "./docker-cli";
import { freePort } from "./free-ports";

/** Exact point count of `collection` (POST /collections/<name>/points/count). */
export async function qdrantPoints(url: string, collection: string, apiKey?: string): Promise<number> {
  const response = await fetch(`${url}/collections/${encodeURIComponent(collection)}/points/count`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(apiKey ? { "api-key": apiKey } : {}) },
    body: JSON.stringify({ exact: true }),
  });
  if (!response.ok) throw new Error(`Qdrant ${url}: counting ${collection} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { result: { count: number } }).result.count;
}

/**
 * Starts the real Qdrant image on `storageDir` (read-write) at a free loopback port, with the plan's
 * entrypoint and `env` (default: telemetry off); waits until it is ready.
 */
export async function startQdrantOn(
  storageDir: string,
  env: Record<string, string> = { QDRANT__TELEMETRY_DISABLED: "true" },
  /** Docker's stop timeout for the container (as the plan's stopGraceSec sets it); Docker's 10 s when omitted. */
  stopTimeoutSec?: number,
  /** Files to mount read-only (a plan's config files, filled in) and arguments after the entrypoint. */
  extra: { files?: { path: string; content: string }[]; command?: string[] } = {},
): Promise<{ url: string; id: string; stop(): Promise<void> }> {
  const port = await freePort();
  const filesDir = extra.files?.length ? fs.mkdtempSync(path.join(os.tmpdir(), "qdrant-files-")) : "";
  const mounts = (extra.files ?? []).flatMap((f, i) => {
    const host = path.join(filesDir, `${i}-${path.basename(f.path)}`);
    fs.writeFileSync(host, f.content, { mode: 0o644 });
    return ["-v", `${host}:${f.path}:ro`];
  });
  const id = (
    await dockerOk([
      "run",
      "-d",
      "--entrypoint",
      QDRANT_ENTRYPOINT[0]!,
      ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
      ...(stopTimeoutSec === undefined ? [] : ["--stop-timeout", String(stopTimeoutSec)]),
      "-p",
      `127.0.0.1:${port}:6333`,
      "-v",
      `${storageDir}:/qdrant/storage`,
      ...mounts,
      PINNED_IMAGES.qdrant,
      ...(extra.command ?? []),
    ])
  ).trim();
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => void (await docker(["rm", "-f", id]));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, id, stop };
    if (Date.now() > deadline) {
      const logs = await docker(["logs", "--tail", "20", id]);
      await stop();
      throw new Error(`Qdrant on ${storageDir} was not ready within 60 s:\n${logs.stdout}${logs.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
