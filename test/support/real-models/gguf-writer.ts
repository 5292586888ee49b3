/**
 * Writes complete GGUF v3 files: metadata through @huggingface/gguf's
 * serializer, then the tensor infos, then each tensor's data at GGUF's 32-byte
 * alignment. writeGgufWithData writes real values, as f32 or q8_0 (ggml's block:
 * an f16 scale and 32 int8 values), seeded, so a spec always gives the same
 * bytes. writeSparseGguf writes any tensor list of any type with all-zero data
 * as a sparse file: a multi-GiB model costs its header on disk.
 */
import * as fs from "node:fs";
import { GGUFValueType, serializeGgufMetadata, type GGUFTypedMetadata } from "@huggingface/gguf";

export interface DataTensor {
  name: string;
  /** ne0 first, as GGUF stores it. */
  shape: number[];
  /** Seeded noise, ones, zeros, or zeros but one element (a bias that always picks one token). */
  init: "random" | "ones" | "zeros" | { hot: number; value: number };
  type: "f32" | "q8_0";
}

const ALIGNMENT = 32;
const GGML_TYPE = { f32: 0, q8_0: 8 } as const;
const align = (n: number) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function byteSize(t: DataTensor): number {
  const n = count(t.shape);
  if (t.type === "f32") return 4 * n;
  if (t.shape[0]! % 32 !== 0) throw new Error(`${t.name}: q8_0 needs ne0 to be a multiple of 32, got ${t.shape[0]}`);
  return (n / 32) * 34;
}

/** mulberry32: small, seeded, good enough for weights nobody reads. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = bits & 0x7fffff;
  if (exp <= 0) return sign; // tiny values flush to zero: scales here are far above f16's subnormals
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | Math.round(mant / 8192);
}

function tensorData(t: DataTensor, next: () => number): Buffer {
  const n = count(t.shape);
  const values = new Float32Array(n);
  if (t.init === "ones") values.fill(1);
  else if (t.init === "random") for (let i = 0; i < n; i++) values[i] = (next() - 0.5) * 0.2;
  else if (typeof t.init === "object") values[t.init.hot] = t.init.value;
  if (t.type === "f32") return Buffer.from(values.buffer);
  const out = Buffer.alloc(byteSize(t));
  for (let block = 0; block < n / 32; block++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[block * 32 + j]!));
    const d = amax / 127;
    out.writeUInt16LE(toHalf(d), block * 34);
    for (let j = 0; j < 32; j++) out.writeInt8(d === 0 ? 0 : Math.round(values[block * 32 + j]! / d), block * 34 + 2 + j);
  }
  return out;
}

/** One GGUF tensor-info record: name, dimensions (ne0 first), ggml type id, data offset. */
export function tensorInfo(t: { name: string; shape: number[]; typeId: number }, offset: number): Buffer {
  const name = Buffer.from(t.name, "utf8");
  const buf = Buffer.alloc(8 + name.length + 4 + 8 * t.shape.length + 4 + 8);
  let at = buf.writeBigUInt64LE(BigInt(name.length), 0);
  at += name.copy(buf, at);
  at = buf.writeUInt32LE(t.shape.length, at);
  for (const d of t.shape) at = buf.writeBigUInt64LE(BigInt(d), at);
  at = buf.writeUInt32LE(t.typeId, at);
  buf.writeBigUInt64LE(BigInt(offset), at);
  return buf;
}

export type TypedKv = Record<string, { value: unknown; type: GGUFValueType; subType?: GGUFValueType }>;

/** Metadata and tensor infos, padded to the data alignment; the data's total size. */
function header(kv: TypedKv, tensors: TensorInfo[]): { bytes: Buffer; dataBytes: number } {
  const metadata = {
    version: { value: 3, type: GGUFValueType.UINT32 },
    tensor_count: { value: BigInt(tensors.length), type: GGUFValueType.UINT64 },
    kv_count: { value: 0n, type: GGUFValueType.UINT64 },
    ...kv,
  };
  const head = Buffer.from(serializeGgufMetadata(metadata as unknown as GGUFTypedMetadata, { alignment: 1 }));
  let offset = 0;
  const infos = tensors.map((t) => {
    const info = tensorInfo(t, offset);
    offset += align(t.bytes);
    return info;
  });
  const bytes = Buffer.concat([head, ...infos]);
  return { bytes: Buffer.concat([bytes, Buffer.alloc(align(bytes.length) - bytes.length)]), dataBytes: offset };
}

export type TensorInfo = { name: string; shape: number[]; typeId: number; bytes: number };

/** The header alone (metadata, tensor infos, padding) and the size of the whole file it starts. */
export function ggufHeaderOnly(kv: TypedKv, tensors: TensorInfo[]): { header: Buffer; fileBytes: number } {
  const { bytes, dataBytes } = header(kv, tensors);
  return { header: bytes, fileBytes: bytes.length + dataBytes };
}

/** A GGUF whose tensor data is all zeros, left as a hole: `tensors` as ggml type ids and byte sizes. */
export function writeSparseGguf(file: string, kv: TypedKv, tensors: TensorInfo[]): void {
  const { bytes, dataBytes } = header(kv, tensors);
  fs.writeFileSync(`${file}.partial`, bytes);
  fs.truncateSync(`${file}.partial`, bytes.length + dataBytes);
  fs.renameSync(`${file}.partial`, file);
}

export function writeGgufWithData(file: string, kv: TypedKv, tensors: DataTensor[], seed: number): void {
  const { bytes: head } = header(
    kv,
    tensors.map((t) => ({ name: t.name, shape: t.shape, typeId: GGML_TYPE[t.type], bytes: byteSize(t) })),
  );
  const fd = fs.openSync(`${file}.partial`, "w");
  try {
    fs.writeSync(fd, head);
    const next = random(seed);
    for (const t of tensors) {
      const data = tensorData(t, next);
      fs.writeSync(fd, data);
      fs.writeSync(fd, Buffer.alloc(align(data.length) - data.length));
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(`${file}.partial`, file);
}
