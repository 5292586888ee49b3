/**
 * Writes header-only GGUF files for tests: metadata through @huggingface/gguf's
 * serializer, then hand-built tensor-info records. No tensor data is written;
 * the header path never reads it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GGUFValueType, serializeGgufMetadata, type GGUFTypedMetadata } from "@huggingface/gguf";

export interface FixtureTensor {
  name: string;
  /** GGUF ggml type id (0 f32, 8 q8_0, 12 q4_k, 14 q6_k, ...). */
  type: number;
  shape: number[];
}

export type FixtureKv = Record<string, string | number | number[]>;

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "vram-gguf-"));
}

export function writeGguf(file: string, kv: FixtureKv, tensors: FixtureTensor[]): string {
  const metadata: Record<string, { value: unknown; type: GGUFValueType; subType?: GGUFValueType }> = {
    version: { value: 3, type: GGUFValueType.UINT32 },
    tensor_count: { value: BigInt(tensors.length), type: GGUFValueType.UINT64 },
    kv_count: { value: 0n, type: GGUFValueType.UINT64 },
  };
  for (const [key, value] of Object.entries(kv)) {
    if (typeof value === "string") metadata[key] = { value, type: GGUFValueType.STRING };
    else if (Array.isArray(value)) metadata[key] = { value, type: GGUFValueType.ARRAY, subType: GGUFValueType.UINT32 };
    else metadata[key] = { value, type: GGUFValueType.UINT32 };
  }
  const header = serializeGgufMetadata(metadata as unknown as GGUFTypedMetadata, { alignment: 1 });
  const records = tensors.map((t, i) => tensorInfo(t, i * 32));
  fs.writeFileSync(file, Buffer.concat([Buffer.from(header), ...records]));
  return file;
}

function tensorInfo(t: FixtureTensor, offset: number): Buffer {
  const name = Buffer.from(t.name, "utf8");
  const buf = Buffer.alloc(8 + name.length + 4 + 8 * t.shape.length + 4 + 8);
  let at = buf.writeBigUInt64LE(BigInt(name.length), 0);
  at += name.copy(buf, at);
  at = buf.writeUInt32LE(t.shape.length, at);
  for (const d of t.shape) at = buf.writeBigUInt64LE(BigInt(d), at);
  at = buf.writeUInt32LE(t.type, at);
  buf.writeBigUInt64LE(BigInt(offset), at);
  return buf;
}
