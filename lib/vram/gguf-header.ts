/**
 * GGUF headers as plain data: `parseGgufHeader` reads the metadata and tensor
 * infos from the first bytes of a file (never the tensor data) and says how
 * many more bytes it needs when the buffer ends too early, so a caller can read
 * a file or an HTTP range a piece at a time; `factsFromHeader` turns them into
 * the facts the VRAM model uses. Pure: the bytes come from the caller
 * (lib/ops/models reads them from disk or over HTTP).
 */
import { ggmlType } from "./ggml-types";
import type { ModelFacts, TensorFact } from "./model-facts";

/** An array too long to keep (token lists, merges): its element type and length only. */
export interface GgufArraySummary {
  arrayOf: GgufValueType;
  length: number;
}

export type GgufValue = number | bigint | boolean | string | GgufValue[] | GgufArraySummary;

export interface GgufTensorInfo {
  name: string;
  /** GGUF ggml type id (0 f32, 12 q4_k, 14 q6_k, ...). */
  type: number;
  /** ne0 first. */
  shape: number[];
  /** Offset of the tensor's data from the start of the data section. */
  offset: number;
}

export interface GgufHeader {
  version: number;
  littleEndian: boolean;
  metadata: Record<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** Bytes up to the end of the tensor-info table: what a reader must have. */
  tensorInfoEnd: number;
  /** Where the tensor data starts (tensorInfoEnd padded to general.alignment). */
  tensorDataOffset: number;
  alignment: number;
}

export type GgufParse = { complete: true; header: GgufHeader } | { complete: false; needBytes: number };

/** GGUF metadata value types (the on-disk ids). */
export const GgufValueType = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;
export type GgufValueType = (typeof GgufValueType)[keyof typeof GgufValueType];

/** Arrays longer than this are summarised (the tokenizer's hundreds of thousands of strings are never needed). */
const KEEP_ARRAY_MAX = 4096;
/** Sanity limits: a header beyond them is not a model file (the same order as llama.cpp's and @huggingface/gguf's). */
const LIMITS = { tensors: 1_000_000, kvs: 100_000, stringBytes: 64 * 1024 * 1024, dims: 8, arrayLength: 100_000_000 };
const FIXED_SIZE: Partial<Record<number, number>> = {
  [GgufValueType.UINT8]: 1, [GgufValueType.INT8]: 1, [GgufValueType.UINT16]: 2, [GgufValueType.INT16]: 2, [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4, [GgufValueType.FLOAT32]: 4, [GgufValueType.BOOL]: 1, [GgufValueType.UINT64]: 8, [GgufValueType.INT64]: 8, [GgufValueType.FLOAT64]: 8,
};

/** Thrown inside the parser when the buffer ends; carries the offset it needs to reach. */
class NeedMore {
  constructor(readonly needBytes: number) {}
}

export class GgufFormatError extends Error {
  override name = "GgufFormatError";
}

/**
 * Parses the header in `bytes` (the first bytes of a file). Returns the header, or
 * how many bytes from the start the parser needs at least; throws GgufFormatError
 * for anything that is not a GGUF v2/v3 header.
 */
export function parseGgufHeader(bytes: Uint8Array): GgufParse {
  try {
    return { complete: true, header: parse(bytes) };
  } catch (error) {
    if (error instanceof NeedMore) return { complete: false, needBytes: error.needBytes };
    throw error;
  }
}

function parse(bytes: Uint8Array): GgufHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.byteLength) throw new NeedMore(at + n);
  };
  need(8);
  if (bytes[0] !== 0x47 || bytes[1] !== 0x47 || bytes[2] !== 0x55 || bytes[3] !== 0x46) {
    throw new GgufFormatError(`not a GGUF file (the first bytes are ${JSON.stringify(new TextDecoder().decode(bytes.subarray(0, 4)))}, not "GGUF")`);
  }
  const rawVersion = view.getUint32(4, true);
  // A big-endian file reads as 0x03000000 in little-endian: the version lives in the high bytes.
  const littleEndian = (rawVersion & 0xffff) !== 0;
  const version = littleEndian ? rawVersion : view.getUint32(4, false);
  if (version !== 2 && version !== 3) throw new GgufFormatError(`GGUF version ${version} is not supported (2 and 3 are)`);
  at = 8;

  const u32 = () => (need(4), (at += 4), view.getUint32(at - 4, littleEndian));
  const u64 = (what: string) => {
    need(8);
    at += 8;
    const v = view.getBigUint64(at - 8, littleEndian);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError(`${what} ${v} is out of range`);
    return Number(v);
  };
  const string = (what: string, keep = true): string => {
    const length = u64(`${what} length`);
    if (length > LIMITS.stringBytes) throw new GgufFormatError(`${what} is ${length} bytes long (limit ${LIMITS.stringBytes})`);
    need(length);
    at += length;
    return keep ? new TextDecoder().decode(bytes.subarray(at - length, at)) : "";
  };
  const scalar = (type: GgufValueType): number | bigint | boolean => {
    const size = FIXED_SIZE[type];
    if (size === undefined) throw new GgufFormatError(`unknown GGUF value type ${type}`);
    need(size);
    at += size;
    const o = at - size;
    switch (type) {
      case GgufValueType.UINT8: return view.getUint8(o);
      case GgufValueType.INT8: return view.getInt8(o);
      case GgufValueType.UINT16: return view.getUint16(o, littleEndian);
      case GgufValueType.INT16: return view.getInt16(o, littleEndian);
      case GgufValueType.UINT32: return view.getUint32(o, littleEndian);
      case GgufValueType.INT32: return view.getInt32(o, littleEndian);
      case GgufValueType.FLOAT32: return view.getFloat32(o, littleEndian);
      case GgufValueType.BOOL: return view.getUint8(o) !== 0;
      case GgufValueType.UINT64: return smallest(view.getBigUint64(o, littleEndian));
      case GgufValueType.INT64: return smallest(view.getBigInt64(o, littleEndian));
      default: return view.getFloat64(o, littleEndian);
    }
  };
  const value = (type: GgufValueType, key: string, depth = 0): GgufValue => {
    if (type === GgufValueType.STRING) return string(key);
    if (type !== GgufValueType.ARRAY) return scalar(type);
    if (depth > 3) throw new GgufFormatError(`${key}: arrays nested too deep`);
    const elementType = u32() as GgufValueType;
    const length = u64(`${key} array length`);
    if (length > LIMITS.arrayLength) throw new GgufFormatError(`${key}: array of ${length} elements`);
    const fixed = FIXED_SIZE[elementType];
    if (length > KEEP_ARRAY_MAX) {
      if (fixed !== undefined) {
        need(fixed * length);
        at += fixed * length;
      } else {
        for (let i = 0; i < length; i++) skip(elementType, key, depth + 1);
      }
      return { arrayOf: elementType, length };
    }
    const items: GgufValue[] = [];
    for (let i = 0; i < length; i++) items.push(value(elementType, key, depth + 1));
    return items;
  };
  const skip = (type: GgufValueType, key: string, depth: number): void => {
    if (type === GgufValueType.STRING) string(key, false);
    else value(type, key, depth);
  };

  const tensorCount = u64("tensor count");
  const kvCount = u64("metadata count");
  if (tensorCount > LIMITS.tensors) throw new GgufFormatError(`${tensorCount} tensors (limit ${LIMITS.tensors})`);
  if (kvCount > LIMITS.kvs) throw new GgufFormatError(`${kvCount} metadata entries (limit ${LIMITS.kvs})`);
  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < kvCount; i++) {
    const key = string("metadata key");
    const type = u32() as GgufValueType;
    metadata[key] = value(type, key);
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = string("tensor name");
    const nDims = u32();
    if (nDims < 1 || nDims > LIMITS.dims) throw new GgufFormatError(`tensor ${name} has ${nDims} dimensions`);
    const shape: number[] = [];
    for (let d = 0; d < nDims; d++) shape.push(u64(`tensor ${name} dimension`));
    const type = u32();
    const offset = u64(`tensor ${name} offset`);
    tensors.push({ name, type, shape, offset });
  }
  const alignmentValue = metadata["general.alignment"];
  const alignment = typeof alignmentValue === "number" && alignmentValue > 0 ? alignmentValue : 32;
  return { version, littleEndian, metadata, tensors, tensorInfoEnd: at, tensorDataOffset: Math.ceil(at / alignment) * alignment, alignment };
}

/** A 64-bit integer as a number when it is exact, else the bigint. */
function smallest(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

/** The model facts of a parsed header; `source` names the file in error messages. */
export function factsOfHeader(header: GgufHeader, source: string): ModelFacts {
  const tensors: TensorFact[] = header.tensors.map((t) => ({ name: t.name, type: ggmlType(t.type), shape: t.shape }));
  return factsFromHeader(header.metadata, tensors, source);
}

type Metadata = Record<string, unknown>;

/** Hyper-parameters from GGUF metadata, with llama.cpp's fallbacks. */
export function factsFromHeader(metadata: Metadata, tensors: TensorFact[], source: string): ModelFacts {
  const architecture = metadata["general.architecture"];
  if (typeof architecture !== "string") throw new Error(`${source}: GGUF has no general.architecture`);
  const key = (k: string) => metadata[`${architecture}.${k}`];
  const required = (k: string): number => {
    const v = firstNumber(key(k));
    if (v === undefined) throw new Error(`${source}: GGUF metadata lacks ${architecture}.${k}`);
    return v;
  };
  const nEmbd = required("embedding_length");
  const nHead = required("attention.head_count");
  const nHeadKv = firstNumber(key("attention.head_count_kv")) ?? nHead;
  const blockIndices = tensors.map((t) => /^blk\.(\d+)\./.exec(t.name)?.[1]).filter((x): x is string => x !== undefined);
  const nLayer = firstNumber(key("block_count")) ?? new Set(blockIndices).size;
  const embd = tensors.find((t) => t.name === "token_embd.weight");
  const nVocab = embd?.shape[1] ?? firstNumber(key("vocab_size")) ?? arrayLength(metadata["tokenizer.ggml.tokens"]);
  if (nVocab === undefined) throw new Error(`${source}: cannot tell the vocabulary size (no token_embd.weight, vocab_size or tokens)`);
  return {
    architecture,
    nLayer,
    nEmbd,
    nHead,
    nHeadKv,
    headDimK: firstNumber(key("attention.key_length")) ?? nEmbd / nHead,
    headDimV: firstNumber(key("attention.value_length")) ?? nEmbd / nHead,
    nFf: firstNumber(key("feed_forward_length")) ?? 0,
    nVocab,
    nCtxTrain: firstNumber(key("context_length")) ?? 4096,
    tensors,
  };
}

function arrayLength(v: unknown): number | undefined {
  if (Array.isArray(v)) return v.length;
  if (v && typeof v === "object" && typeof (v as GgufArraySummary).length === "number") return (v as GgufArraySummary).length;
  return undefined;
}

/** A number, or the first element of a per-layer array (llama.cpp reads arrays per layer; dense models repeat one value). */
function firstNumber(v: unknown): number | undefined {
  const x = Array.isArray(v) ? v[0] : v;
  if (typeof x === "number") return x;
  if (typeof x === "bigint") return Number(x);
  return undefined;
}
