/**
 * A model the real llama-server loads whose tensors are exactly a lock entry's
 * (names, ggml types, shapes) with all-zero data in a sparse file: the VRAM
 * oracle's input. The 3B costs its header on disk, not 1.8 GiB. Its tokenizer
 * is the family's real vocabulary (tokenizer keys copied from llama.cpp's
 * models/ggml-vocab-*.gguf), padded with unused tokens to the model's n_vocab
 * where the model pads its embedding (Qwen2.5-Coder-7B: 152064 rows, 151936
 * tokens in the vocabulary).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GGUFValueType } from "@huggingface/gguf";
import { tensorBytes } from "../../../lib/vram/ggml-types";
import type { ModelFacts } from "../../../lib/vram/model-facts";
import { writeSparseGguf, type TensorInfo, type TypedKv } from "./gguf-writer";
import { tokenizerKeys } from "./tiny-gguf";

const u32 = (value: number) => ({ value, type: GGUFValueType.UINT32 });
const f32 = (value: number) => ({ value, type: GGUFValueType.FLOAT32 });
/** llama_token_type: 5 = unused. */
const UNUSED_TOKEN = 5;

function paddedTokenizer(tokenizer: TypedKv, nVocab: number): TypedKv {
  const tokens = tokenizer["tokenizer.ggml.tokens"]!.value as string[];
  if (tokens.length > nVocab) throw new Error(`the vocabulary has ${tokens.length} tokens, more than the model's ${nVocab} embedding rows`);
  if (tokens.length === nVocab) return tokenizer;
  const extra = Array.from({ length: nVocab - tokens.length }, (_, i) => `[PAD${tokens.length + i}]`);
  const types = tokenizer["tokenizer.ggml.token_type"]!.value as number[];
  return {
    ...tokenizer,
    "tokenizer.ggml.tokens": { ...tokenizer["tokenizer.ggml.tokens"]!, value: [...tokens, ...extra] },
    "tokenizer.ggml.token_type": { ...tokenizer["tokenizer.ggml.token_type"]!, value: [...types, ...extra.map(() => UNUSED_TOKEN)] },
  };
}

/** The metadata and tensor infos of `facts` as a GGUF (qwen2 or llama architecture) with `vocabFile`'s tokenizer. */
export async function sparseModelParts(
  file: string,
  facts: ModelFacts,
  vocabFile: string,
): Promise<{ kv: TypedKv; tensors: TensorInfo[] }> {
  const a = facts.architecture;
  if (a !== "qwen2" && a !== "llama") throw new Error(`sparse models of architecture ${a} are not supported (qwen2, llama)`);
  const kv: TypedKv = {
    "general.architecture": { value: a, type: GGUFValueType.STRING },
    "general.name": { value: file.replace(/\.gguf$/, ""), type: GGUFValueType.STRING },
    [`${a}.block_count`]: u32(facts.nLayer),
    [`${a}.context_length`]: u32(facts.nCtxTrain),
    [`${a}.embedding_length`]: u32(facts.nEmbd),
    [`${a}.feed_forward_length`]: u32(facts.nFf),
    [`${a}.attention.head_count`]: u32(facts.nHead),
    [`${a}.attention.head_count_kv`]: u32(facts.nHeadKv),
    [`${a}.attention.key_length`]: u32(facts.headDimK),
    [`${a}.attention.value_length`]: u32(facts.headDimV),
    [`${a}.attention.layer_norm_rms_epsilon`]: f32(1e-6),
    [`${a}.rope.freq_base`]: f32(1_000_000),
    ...paddedTokenizer(await tokenizerKeys(vocabFile), facts.nVocab),
  };
  const tensors = facts.tensors.map((t) => ({ name: t.name, shape: [...t.shape], typeId: t.type.id, bytes: tensorBytes(t.type, t.shape) }));
  return { kv, tensors };
}

/** Writes `facts` as the sparse file `<dir>/<file>`; returns the path. */
export async function writeSparseModel(dir: string, file: string, facts: ModelFacts, vocabFile: string): Promise<string> {
  const { kv, tensors } = await sparseModelParts(file, facts, vocabFile);
  const target = path.join(dir, file);
  fs.mkdirSync(dir, { recursive: true });
  writeSparseGguf(target, kv, tensors);
  return target;
}
