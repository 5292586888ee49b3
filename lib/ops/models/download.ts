/**
 * One verified download: resumable, checksummed, atomic.
 *
 * - Bytes go to `<dest>.partial` (with `<dest>.partial.json` naming the size and
 *   sha256 it is for); only a file whose size and sha256 match is renamed to
 *   `<dest>`, so a partial or wrong file never sits under the model's name.
 * - An interrupted download resumes with `Range: bytes=<have>-` (in this run after
 *   a dropped connection or a stall, or in the next run); a server that ignores
 *   the range restarts it from zero. A partial left for another size or sha256
 *   (the lock changed) is discarded.
 * - The sha256 covers every byte of the file: a resumed partial is hashed from
 *   disk first. A mismatch deletes the partial and throws ChecksumMismatchError
 *   naming the file and both sums.
 */
import { createHash, type Hash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { authHeaders, HubError, type Fetch, type HubOptions } from "./hub";

export interface DownloadTarget {
  url: string;
  dest: string;
  size: number;
  sha256: string;
}

export interface DownloadOptions extends Pick<HubOptions, "fetch" | "token"> {
  /** Attempts in a row that bring no new byte before giving up (the partial is kept); default 5. */
  retries?: number;
  /** Abort an attempt that receives nothing for this long, then resume; default 60 s. */
  stallTimeoutMs?: number;
  /** First pause before a retry, doubled each time up to 30 s; default 1 s. */
  retryDelayMs?: number;
  onProgress?: (done: number, total: number) => void;
  /** Resuming, retrying, restarting: one line each. */
  onEvent?: (text: string) => void;
  /** Progress while hashing a partial download that is resumed. */
  onHashProgress?: (done: number, total: number) => void;
}

export interface DownloadResult {
  /** Bytes that were already in the partial file. */
  resumedFrom: number;
  /** Bytes received in this run. */
  transferred: number;
  attempts: number;
}

export class ChecksumMismatchError extends Error {
  override name = "ChecksumMismatchError";
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${file}: sha256 ${actual} does not match the lock's ${expected}; the download was deleted (the hub's file is not the locked one, or it was corrupted on the way)`);
  }
}

/** An error no retry can fix (the hub refused, or the file is not the locked size). */
class FatalDownloadError extends Error {}

export const partialPath = (dest: string) => `${dest}.partial`;
const metaPath = (dest: string) => `${dest}.partial.json`;

export async function downloadVerified(target: DownloadTarget, options: DownloadOptions = {}): Promise<DownloadResult> {
  const { dest, size, sha256 } = target;
  const doFetch: Fetch = options.fetch ?? fetch;
  const event = options.onEvent ?? (() => undefined);
  const partial = partialPath(dest);
  const name = path.basename(dest);
  fs.mkdirSync(path.dirname(dest), { recursive: true });

  let have = usablePartial(dest, size, sha256);
  if (have > 0) event(`${name}: resuming a partial download at ${have} of ${size} bytes`);
  let hash = await hashPrefix(partial, have, options.onHashProgress);
  fs.writeFileSync(metaPath(dest), `${JSON.stringify({ size, sha256 })}\n`);
  const fd = fs.openSync(partial, have > 0 ? "r+" : "w");
  const resumedFrom = have;
  let transferred = 0;
  let attempts = 0;
  let fruitless = 0;
  let delay = options.retryDelayMs ?? 1000;
  try {
    while (have < size) {
      attempts++;
      const before = have;
      try {
        await attempt();
      } catch (error) {
        if (error instanceof FatalDownloadError || error instanceof HubError) throw error;
        fruitless = have > before ? 1 : fruitless + 1;
        if (fruitless > (options.retries ?? 5)) {
          throw new Error(`${name}: download failed after ${attempts} attempts (${(error as Error).message}); ${have} of ${size} bytes are kept in ${partial}: run pull again to resume`);
        }
        event(`${name}: ${(error as Error).message} at ${have} of ${size} bytes; resuming in ${(delay / 1000).toFixed(1)} s`);
        await new Promise((r) => setTimeout(r, delay));
        delay = have > before ? (options.retryDelayMs ?? 1000) : Math.min(delay * 2, 30_000);
      }
    }
    const actual = hash.digest("hex");
    if (actual !== sha256) {
      fs.closeSync(fd);
      removeQuietly(partial);
      removeQuietly(metaPath(dest));
      throw new ChecksumMismatchError(dest, sha256, actual);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(partial, dest);
    removeQuietly(metaPath(dest));
    syncDir(path.dirname(dest));
    return { resumedFrom, transferred, attempts };
  } catch (error) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    throw error;
  }

  async function attempt(): Promise<void> {
    const controller = new AbortController();
    const stallMs = options.stallTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error(`no data for ${(stallMs / 1000).toFixed(1)} s`)), stallMs);
    };
    arm();
    try {
      const headers: Record<string, string> = { ...authHeaders(options), "Accept-Encoding": "identity", ...(have > 0 ? { Range: `bytes=${have}-` } : {}) };
      const response = await doFetch(target.url, { headers, signal: controller.signal });
      if (response.status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
        if (!m || Number(m[1]) !== have) throw new Error(`the server answered the range from ${have} with ${JSON.stringify(response.headers.get("content-range"))}`);
        if (m[3] !== "*" && Number(m[3]) !== size) throw new FatalDownloadError(`${name}: the server's file has ${m[3]} bytes, the lock says ${size}: it is not the locked file`);
      } else if (response.status === 200) {
        const length = response.headers.get("content-length");
        if (length !== null && Number(length) !== size) throw new FatalDownloadError(`${name}: the server's file has ${length} bytes, the lock says ${size}: it is not the locked file`);
        if (have > 0) {
          event(`${name}: the server ignored the range request; starting over`);
          fs.ftruncateSync(fd, 0);
          have = 0;
          hash = createHash("sha256");
        }
      } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        throw new FatalDownloadError(`${name}: HTTP ${response.status} from ${new URL(target.url).origin}${response.headers.get("x-error-code") ? ` (${response.headers.get("x-error-code")})` : ""}`);
      } else if (response.status !== 200) {
        throw new Error(`HTTP ${response.status}`);
      }
      if (!response.body) throw new Error("the response has no body");
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        if (have + chunk.byteLength > size) throw new FatalDownloadError(`${name}: the server sent more than the lock's ${size} bytes: it is not the locked file`);
        fs.writeSync(fd, chunk, 0, chunk.byteLength, have);
        hash.update(chunk);
        have += chunk.byteLength;
        transferred += chunk.byteLength;
        options.onProgress?.(have, size);
      }
      if (have < size) throw new Error(`the connection closed after ${have} of ${size} bytes`);
    } catch (error) {
      if (controller.signal.aborted && !(error instanceof FatalDownloadError)) throw controller.signal.reason as Error;
      if (error instanceof TypeError && /terminated|fetch failed/i.test(error.message)) {
        throw new Error(`connection lost (${(error.cause as Error | undefined)?.message ?? error.message})`);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Bytes of a partial download that may be resumed: 0 when there is none, it is for another file, or it is too long. */
function usablePartial(dest: string, size: number, sha256: string): number {
  const partial = partialPath(dest);
  let length: number;
  try {
    length = fs.statSync(partial).size;
  } catch {
    return 0;
  }
  let meta: { size?: number; sha256?: string } = {};
  try {
    meta = JSON.parse(fs.readFileSync(metaPath(dest), "utf8")) as typeof meta;
  } catch {
    // no record of what it was for: do not trust it
  }
  if (meta.size !== size || meta.sha256 !== sha256 || length > size) {
    removeQuietly(partial);
    return 0;
  }
  return length;
}

async function hashPrefix(file: string, bytes: number, onProgress?: (done: number, total: number) => void): Promise<Hash> {
  const hash = createHash("sha256");
  if (bytes === 0) return hash;
  let done = 0;
  for await (const chunk of fs.createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 4 * 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    done += chunk.length;
    onProgress?.(done, bytes);
  }
  return hash;
}

/** sha256 of a whole file, with progress (multi-GB model files take a while). */
export async function sha256File(file: string, onProgress?: (done: number, total: number) => void): Promise<string> {
  const total = fs.statSync(file).size;
  const hash = await hashPrefix(file, total, onProgress);
  return hash.digest("hex");
}

function removeQuietly(file: string): void {
  fs.rmSync(file, { force: true });
}

/** Makes the rename durable; some filesystems refuse to fsync a directory, which is harmless here. */
function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // best effort
  }
}
