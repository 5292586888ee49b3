/**
 * Reading only a GGUF file's header, a piece at a time, from any source that
 * can hand out byte ranges (a local file, HTTP range requests). The first read
 * is 1 MiB; each further read asks for at least half as much again as has been
 * read so far (and at least what the parser says it needs), so a header of H
 * bytes costs under 1.5 H + 1 MiB and a handful of requests, and tensor data is
 * never read.
 */
import * as fs from "node:fs";
import { factsOfHeader, parseGgufHeader, type GgufHeader } from "../../vram/gguf-header";
import type { ModelFacts } from "../../vram/model-facts";

export const FIRST_READ_BYTES = 1024 * 1024;
/** No model header is this large; past it the source is not a GGUF header we can use. */
export const MAX_HEADER_BYTES = 256 * 1024 * 1024;

/** Bytes [start, end) of the source; may return fewer only at the end of the file. */
export type RangeReader = (start: number, end: number) => Promise<Uint8Array>;

export interface HeaderRead {
  header: GgufHeader;
  /** Bytes transferred from the source. */
  bytesRead: number;
  /** Range reads made. */
  reads: number;
}

export async function readHeader(read: RangeReader, what: string, options: { firstReadBytes?: number; maxBytes?: number } = {}): Promise<HeaderRead> {
  const maxBytes = options.maxBytes ?? MAX_HEADER_BYTES;
  let buffer = new Uint8Array(0);
  let reads = 0;
  let want = options.firstReadBytes ?? FIRST_READ_BYTES;
  for (;;) {
    const chunk = await read(buffer.byteLength, want);
    reads++;
    const grown = new Uint8Array(buffer.byteLength + chunk.byteLength);
    grown.set(buffer, 0);
    grown.set(chunk, buffer.byteLength);
    const ended = chunk.byteLength < want - buffer.byteLength;
    buffer = grown;
    const parsed = parseGgufHeader(buffer);
    if (parsed.complete) return { header: parsed.header, bytesRead: buffer.byteLength, reads };
    if (ended) throw new Error(`${what}: the file ends after ${buffer.byteLength} bytes, inside its GGUF header (a truncated download?)`);
    if (parsed.needBytes > maxBytes) throw new Error(`${what}: its GGUF header claims more than ${maxBytes} bytes; not a model header this tool reads`);
    want = Math.min(maxBytes, Math.max(parsed.needBytes, Math.ceil(buffer.byteLength * 1.5), buffer.byteLength + FIRST_READ_BYTES));
  }
}

/** A local file's header (read in growing pieces; tensor data is never read). */
export async function readLocalHeader(file: string): Promise<HeaderRead> {
  const handle = await fs.promises.open(file, "r");
  try {
    return await readHeader(async (start, end) => {
      const out = new Uint8Array(end - start);
      const { bytesRead } = await handle.read(out, 0, out.byteLength, start);
      return out.subarray(0, bytesRead);
    }, file);
  } finally {
    await handle.close();
  }
}

/** The model facts in a local file's header (doctor, verify). */
export async function readLocalModelFacts(file: string): Promise<ModelFacts> {
  return factsOfHeader((await readLocalHeader(file)).header, file);
}
