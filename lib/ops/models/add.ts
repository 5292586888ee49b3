/**
 * `models add <hf-repo> <file> [--revision R]`: pins the revision to a commit,
 * takes size and sha256 from the hub's headers, reads the GGUF header over
 * range requests (never the tensor data) and writes the lock entry.
 */
import * as path from "node:path";
import { lockedGgufOf, tensorDataBytes, withModel, type LockedModel } from "../../models/lock";
import { factsOfHeader } from "../../vram/gguf-header";
import { tensorBytes, ggmlType } from "../../vram/ggml-types";
import { readHeader } from "./header-read";
import { hubFileInfo, hubRangeReader, HubError, type HubOptions } from "./hub";
import { readLockFile, writeLockFile } from "./lock-file";

export interface AddOptions extends HubOptions {
  repo: string;
  file: string;
  /** Branch, tag or commit; default "main". The lock records the commit it resolves to. */
  revision?: string;
  lockFile: string;
}

export interface AddResult {
  name: string;
  entry: LockedModel;
  /** The entry this one replaced, if the lock had the name already. */
  replaced?: LockedModel;
  /** Where the tensor data starts: the header's size. */
  headerBytes: number;
  /** Bytes transferred to read the header, and the range requests it took. */
  bytesRead: number;
  reads: number;
}

export async function addModel(options: AddOptions): Promise<AddResult> {
  const { repo, file } = options;
  const name = path.posix.basename(file);
  if (!/\.gguf$/i.test(name)) throw new HubError(`${file}: not a .gguf file`);
  if (/-\d{5}-of-\d{5}\.gguf$/i.test(name)) {
    throw new HubError(`${file} is one part of a split GGUF; llama-server loads one file here: merge the parts with llama-gguf-split --merge, or pick a single-file quantisation`);
  }
  const lock = readLockFile(options.lockFile, { allowMissing: true });
  const requested = options.revision ?? "main";
  const info = await hubFileInfo({ repo, file, revision: requested }, options);
  const pinned = { repo, file, revision: info.commit };
  const { read, stats } = hubRangeReader(pinned, options);
  const { header } = await readHeader(read, `${repo}/${file}`);
  const facts = factsOfHeader(header, `${repo}/${file}`);
  const dataEnd = header.tensors.reduce((max, t) => Math.max(max, t.offset + tensorBytes(ggmlType(t.type), t.shape)), 0);
  if (header.tensorDataOffset + dataEnd > info.size) {
    throw new HubError(`${repo}/${file}: its header places tensor data up to byte ${header.tensorDataOffset + dataEnd}, past the file's ${info.size} bytes`);
  }
  const entry: LockedModel = {
    source: pinned,
    size: info.size,
    sha256: info.sha256,
    gguf: lockedGgufOf(facts),
    provenance: {
      source: { from: "hub", note: `X-Repo-Commit for revision ${JSON.stringify(requested)}` },
      size: { from: "hub", note: "X-Linked-Size" },
      sha256: { from: "hub", note: "X-Linked-Etag" },
      gguf: {
        from: "header",
        note: `${header.tensors.length} tensor infos in a ${header.tensorDataOffset}-byte header (GGUF v${header.version}); tensor data ${tensorDataBytes(facts.tensors, header.alignment)} bytes`,
      },
    },
  };
  const replaced = Object.hasOwn(lock.models, name) ? lock.models[name] : undefined;
  writeLockFile(options.lockFile, withModel(lock, name, entry));
  return { name, entry, replaced, headerBytes: header.tensorDataOffset, bytesRead: stats.bytes, reads: stats.requests };
}
