/**
 * Bytes of ggml tensor types: every type stores `blockSize` elements in
 * `typeSize` bytes (ggml's type traits; e.g. Q4_K = 144 B per 256 elements).
 * Numeric ids are the GGUF on-disk ids (GGMLQuantizationType).
 */

export interface GgmlType {
  id: number;
  name: string;
  blockSize: number;
  typeSize: number;
}

const QK_K = 256;

const TYPES: GgmlType[] = [
  { id: 0, name: "f32", blockSize: 1, typeSize: 4 },
  { id: 1, name: "f16", blockSize: 1, typeSize: 2 },
  { id: 2, name: "q4_0", blockSize: 32, typeSize: 2 + 16 },
  { id: 3, name: "q4_1", blockSize: 32, typeSize: 2 + 2 + 16 },
  { id: 6, name: "q5_0", blockSize: 32, typeSize: 2 + 4 + 16 },
  { id: 7, name: "q5_1", blockSize: 32, typeSize: 2 + 2 + 4 + 16 },
  { id: 8, name: "q8_0", blockSize: 32, typeSize: 2 + 32 },
  { id: 9, name: "q8_1", blockSize: 32, typeSize: 4 + 4 + 32 },
  { id: 10, name: "q2_k", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 16 + QK_K / 4 },
  { id: 11, name: "q3_k", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + 12 },
  { id: 12, name: "q4_k", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + 12 },
  { id: 13, name: "q5_k", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 8 + 12 },
  { id: 14, name: "q6_k", blockSize: QK_K, typeSize: 2 + QK_K / 2 + QK_K / 4 + QK_K / 16 },
  { id: 15, name: "q8_k", blockSize: QK_K, typeSize: 4 + QK_K + QK_K / 8 },
  { id: 16, name: "iq2_xxs", blockSize: QK_K, typeSize: 2 + QK_K / 4 },
  { id: 17, name: "iq2_xs", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 32 },
  { id: 18, name: "iq3_xxs", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 },
  { id: 19, name: "iq1_s", blockSize: QK_K, typeSize: 2 + QK_K / 8 + QK_K / 16 },
  { id: 20, name: "iq4_nl", blockSize: 32, typeSize: 2 + 16 },
  { id: 21, name: "iq3_s", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4 },
  { id: 22, name: "iq2_s", blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 16 },
  { id: 23, name: "iq4_xs", blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 64 },
  { id: 24, name: "i8", blockSize: 1, typeSize: 1 },
  { id: 25, name: "i16", blockSize: 1, typeSize: 2 },
  { id: 26, name: "i32", blockSize: 1, typeSize: 4 },
  { id: 27, name: "i64", blockSize: 1, typeSize: 8 },
  { id: 28, name: "f64", blockSize: 1, typeSize: 8 },
  { id: 29, name: "iq1_m", blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 16 + QK_K / 32 },
  { id: 30, name: "bf16", blockSize: 1, typeSize: 2 },
  { id: 34, name: "tq1_0", blockSize: QK_K, typeSize: 2 + 4 * 13 },
  { id: 35, name: "tq2_0", blockSize: QK_K, typeSize: 2 + 64 },
  { id: 39, name: "mxfp4", blockSize: 32, typeSize: 1 + 16 },
];

const BY_ID = new Map(TYPES.map((t) => [t.id, t]));
const BY_NAME = new Map(TYPES.map((t) => [t.name, t]));

export function ggmlType(idOrName: number | string): GgmlType {
  const t = typeof idOrName === "number" ? BY_ID.get(idOrName) : BY_NAME.get(idOrName.toLowerCase());
  if (!t) throw new Error(`unknown ggml type ${JSON.stringify(idOrName)}; add it to lib/vram/ggml-types.ts`);
  return t;
}

export function isQuantized(type: GgmlType): boolean {
  return type.blockSize > 1;
}

/** Bytes of one row of `elements` elements (ggml_row_size). */
export function rowBytes(type: GgmlType, elements: number): number {
  if (elements % type.blockSize !== 0) {
    throw new Error(`a ${type.name} row of ${elements} elements is not a whole number of ${type.blockSize}-element blocks`);
  }
  return (elements / type.blockSize) * type.typeSize;
}

/** Bytes of a tensor of `shape` (ne0 first), as stored in the GGUF (ggml_nbytes). */
export function tensorBytes(type: GgmlType, shape: readonly number[]): number {
  const [ne0 = 1, ...rest] = shape;
  return rowBytes(type, ne0) * rest.reduce((a, b) => a * b, 1);
}

/** ggml's CPU buffer alignment (TENSOR_ALIGNMENT), also what an RPC server's CPU backend aligns to. */
const HOST_ALIGNMENT = 32;

/**
 * The device kind whose buffer a tensor sizes: "cuda" (row padding and 128-byte
 * alignment), or "host" (a CPU backend, locally or behind ggml's RPC: 32-byte alignment).
 */
export type BufferKind = "cuda" | "host";

/** Bytes a tensor takes in a model buffer of `kind`. */
export function bufferTensorBytes(type: GgmlType, shape: readonly number[], kind: BufferKind): number {
  if (kind === "cuda") return cudaTensorBytes(type, shape);
  return Math.ceil(tensorBytes(type, shape) / HOST_ALIGNMENT) * HOST_ALIGNMENT;
}

/** CUDA buffer alignment (ggml_backend_cuda_buffer_type_get_alignment). */
const CUDA_ALIGNMENT = 128;
/** CUDA pads the last row of quantized matrices to a multiple of this (MATRIX_ROW_PADDING). */
const CUDA_MATRIX_ROW_PADDING = 512;

/** Bytes a tensor takes in a CUDA model buffer: nbytes + row padding for quantized types, aligned. */
export function cudaTensorBytes(type: GgmlType, shape: readonly number[]): number {
  let size = tensorBytes(type, shape);
  const ne0 = shape[0] ?? 1;
  if (isQuantized(type) && ne0 % CUDA_MATRIX_ROW_PADDING !== 0) {
    size += rowBytes(type, CUDA_MATRIX_ROW_PADDING - (ne0 % CUDA_MATRIX_ROW_PADDING));
  }
  return Math.ceil(size / CUDA_ALIGNMENT) * CUDA_ALIGNMENT;
}
