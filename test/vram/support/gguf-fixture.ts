/**
 * Writes GGUF files for tests: metadata through @huggingface/gguf's serializer,
 * then hand-built tensor-info records, then (optionally) the tensor data at
 * GGUF's 32-byte alignment, so the file is a real, complete GGUF of the
 * expected size. Header-only files (the default) are for header parsing.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GGUFValueType, serializeGgufMetadata, type GGUFTypedMetadata } from "@huggingface/gguf";
import { ggmlType, tensorBytes } from "../../../lib/vram/ggml-types";
import { tensorInfo } from "../../support/real-models/gguf-writer";

export interface FixtureTensor {
  name: string;
  /** GGUF ggml type id (0 f32, 8 q8_0, 12 q4_k, 14 q6_k, ...). */
  type: number;
  shape: number[];
}

/** A value as written: strings, uint32 numbers, uint32 arrays, string arrays (tokens), or an explicit GGUF type. */
export type FixtureValue = string | number | number[] | string[] | { type: GGUFValueType; value: unknown; subType?: GGUFValueType };
export type FixtureKv = Record<string, FixtureValue>;

export interface FixtureOptions {
  /**
   * "none": header only (tensor offsets made up); "zeros" or "pattern": the tensor data
   * follows, zeros or a byte pattern seeded by `seed` (so two files differ and sha256 means something).
   */
  data?: "none" | "zeros" | "pattern";
  seed?: number;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "vram-gguf-"));
}

const ALIGNMENT = 32;
const align = (n: number) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;

/** The header bytes (metadata + tensor infos, padded to the data alignment when data follows) and the data size. */
export function ggufHeaderBytes(
  kv: FixtureKv,
  tensors: FixtureTensor[],
  options: FixtureOptions = {},
): { header: Buffer; dataBytes: number; sizes: number[] } {
  const metadata: Record<string, { value: unknown; type: GGUFValueType; subType?: GGUFValueType }> = {
    version: { value: 3, type: GGUFValueType.UINT32 },
    tensor_count: { value: BigInt(tensors.length), type: GGUFValueType.UINT64 },
    kv_count: { value: 0n, type: GGUFValueType.UINT64 },
  };
  for (const [key, value] of Object.entries(kv)) {
    if (typeof value === "string") metadata[key] = { value, type: GGUFValueType.STRING };
    else if (Array.isArray(value) && typeof value[0] === "string")
      metadata[key] = { value, type: GGUFValueType.ARRAY, subType: GGUFValueType.STRING };
    else if (Array.isArray(value)) metadata[key] = { value, type: GGUFValueType.ARRAY, subType: GGUFValueType.UINT32 };
    else if (typeof value === "number") metadata[key] = { value, type: GGUFValueType.UINT32 };
    else metadata[key] = value;
  }
  const head = serializeGgufMetadata(metadata as unknown as GGUFTypedMetadata, { alignment: 1 });
  const sizes = tensors.map((t) => tensorBytes(ggmlType(t.type), t.shape));
  const withData = options.data === "zeros" || options.data === "pattern";
  let offset = 0;
  const records = tensors.map((t, i) => {
    const record = tensorInfo({ name: t.name, shape: t.shape, typeId: t.type }, withData ? offset : i * ALIGNMENT);
    offset += align(sizes[i]!);
    return record;
  });
  let header = Buffer.concat([Buffer.from(head), ...records]);
  if (withData) header = Buffer.concat([header, Buffer.alloc(align(header.length) - header.length)]);
  return { header, dataBytes: withData ? offset : 0, sizes };
}

export function writeGguf(file: string, kv: FixtureKv, tensors: FixtureTensor[], options: FixtureOptions = {}): string {
  const { header, dataBytes } = ggufHeaderBytes(kv, tensors, options);
  const fd = fs.openSync(file, "w");
  try {
    fs.writeSync(fd, header);
    if (dataBytes > 0) {
      const chunk = Buffer.alloc(Math.min(dataBytes, 1 << 20));
      let seed = (options.seed ?? 1) >>> 0;
      for (let written = 0; written < dataBytes; written += chunk.length) {
        if (options.data === "pattern") {
          for (let i = 0; i < chunk.length; i++) {
            seed = (seed * 1664525 + 1013904223) >>> 0;
            chunk[i] = seed >>> 24;
          }
        }
        fs.writeSync(fd, chunk, 0, Math.min(chunk.length, dataBytes - written));
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
