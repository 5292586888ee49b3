/** sha256 and size of files as they are written or as they lie on disk. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** A pass-through stream that hashes and counts what flows through it. */
export function hashingStream(): { stream: Transform; result: () => { size: number; sha256: string } } {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ size, sha256: hash.digest("hex") }) };
}

export async function fileDigest(file: string): Promise<{ size: number; sha256: string }> {
  const digest = hashingStream();
  await pipeline(fs.createReadStream(file), digest.stream, async (source: AsyncIterable<Buffer>) => {
    for await (const _ of source); // drain: the hashing stream has seen every chunk
  });
  return digest.result();
}
