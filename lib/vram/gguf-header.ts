/**
 * Model facts from a GGUF file's header. `@huggingface/gguf` reads only the
 * header (metadata and tensor infos), never the tensor data, so this is cheap
 * even for multi-GB files.
 */
import { gguf } from "@huggingface/gguf";
import { ggmlType } from "./ggml-types";
import type { ModelFacts, TensorFact } from "./model-facts";

type Metadata = Record<string, unknown>;

export async function readGgufFacts(path: string): Promise<ModelFacts> {
  const { metadata, tensorInfos } = await gguf(path, { allowLocalFile: true });
  const tensors: TensorFact[] = tensorInfos.map((t) => ({
    name: t.name,
    type: ggmlType(Number(t.dtype)),
    shape: t.shape.map((d) => Number(d)),
  }));
  return factsFromHeader(metadata as unknown as Metadata, tensors, path);
}

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
  const tokens = metadata["tokenizer.ggml.tokens"];
  const nVocab = embd?.shape[1] ?? firstNumber(key("vocab_size")) ?? (Array.isArray(tokens) ? tokens.length : undefined);
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

/** A number, or the first element of a per-layer array (llama.cpp reads arrays per layer; dense models repeat one value). */
function firstNumber(v: unknown): number | undefined {
  const x = Array.isArray(v) ? v[0] : v;
  if (typeof x === "number") return x;
  if (typeof x === "bigint") return Number(x);
  return undefined;
}
