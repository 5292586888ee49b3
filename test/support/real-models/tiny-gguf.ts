/**
 * Small GGUF models the real llama-server loads and runs: the architecture the
 * stack's models have (qwen2 for chat and code, bert for the embedding model),
 * the real tokenizer vocabulary of that family copied from the pinned llama.cpp
 * source (models/ggml-vocab-*.gguf), and seeded random weights, a few MiB each.
 * Their answers are noise, but every request path is the real program's.
 */
import * as fs from "node:fs";
import { gguf, GGUFValueType } from "@huggingface/gguf";
import { writeGgufWithData, type DataTensor, type TypedKv } from "./gguf-writer";

export interface TinyModelSpec {
  /** File name, e.g. tiny-qwen2-chat.gguf. */
  file: string;
  arch: "qwen2" | "bert";
  seed: number;
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  ctxTrain: number;
  /**
   * qwen2 only: the token the model always answers (an output bias that outweighs
   * the noise), so its replies are plain text a test can recognise. Random replies
   * hold special tokens and split UTF-8 that llama-server's reply parser refuses (HTTP 500).
   */
  answer?: string;
}

/** The test lanes' models: chat and code (two seeds of one shape), a deep chat model, and the embedding model. */
export const TINY_MODELS = {
  chat: {
    file: "tiny-qwen2-chat.gguf",
    arch: "qwen2",
    seed: 1,
    nLayer: 2,
    nEmbd: 64,
    nHead: 4,
    nHeadKv: 2,
    nFf: 128,
    ctxTrain: 4096,
    answer: "Ġchat",
  },
  code: {
    file: "tiny-qwen2-code.gguf",
    arch: "qwen2",
    seed: 2,
    nLayer: 3,
    nEmbd: 64,
    nHead: 4,
    nHeadKv: 2,
    nFf: 128,
    ctxTrain: 4096,
    answer: "Ġcode",
  },
  // The chat model 16 times as deep: one 4096-token prompt batch keeps its inference loop busy for
  // seconds on a CPU, longer than the probe's /metrics wait (the busy-not-wedged case).
  deep: {
    file: "tiny-qwen2-deep.gguf",
    arch: "qwen2",
    seed: 4,
    nLayer: 32,
    nEmbd: 64,
    nHead: 4,
    nHeadKv: 2,
    nFf: 128,
    ctxTrain: 8192,
    answer: "Ġchat",
  },
  // bge-small's width (384), so the services see the dimension the real model has.
  embedding: { file: "tiny-bge.gguf", arch: "bert", seed: 3, nLayer: 2, nEmbd: 384, nHead: 6, nHeadKv: 6, nFf: 512, ctxTrain: 512 },
} as const satisfies Record<string, TinyModelSpec>;

type Typed = TypedKv[string];

/** The `tokenizer.*` keys of a vocabulary GGUF, with their GGUF types. */
export async function tokenizerKeys(vocabFile: string): Promise<TypedKv> {
  const { typedMetadata } = await gguf(vocabFile, { allowLocalFile: true, typedMetadata: true });
  const out: Record<string, Typed> = {};
  for (const [key, entry] of Object.entries(typedMetadata as unknown as Record<string, Typed>)) {
    if (key.startsWith("tokenizer.")) out[key] = entry;
  }
  return out;
}

/** Writes `spec` as a complete GGUF in `dir` with the vocabulary of `vocabFile`; returns its path. */
export async function writeTinyModel(dir: string, spec: TinyModelSpec, vocabFile: string): Promise<string> {
  // No chat template: with Qwen2's (tool calls and all) the server parses the noise a random model
  // writes against that format and answers 500; without one it uses its plain default.
  const { "tokenizer.chat_template": _template, ...tokenizer } = await tokenizerKeys(vocabFile);
  const tokens = tokenizer["tokenizer.ggml.tokens"]?.value as string[] | undefined;
  if (!tokens?.length) throw new Error(`${vocabFile} has no tokenizer.ggml.tokens`);
  const nVocab = tokens.length;
  const u32 = (value: number): Typed => ({ value, type: GGUFValueType.UINT32 });
  const f32 = (value: number): Typed => ({ value, type: GGUFValueType.FLOAT32 });
  const a = spec.arch;
  const kv: Record<string, Typed> = {
    "general.architecture": { value: a, type: GGUFValueType.STRING },
    "general.name": { value: spec.file.replace(/\.gguf$/, ""), type: GGUFValueType.STRING },
    [`${a}.block_count`]: u32(spec.nLayer),
    [`${a}.context_length`]: u32(spec.ctxTrain),
    [`${a}.embedding_length`]: u32(spec.nEmbd),
    [`${a}.feed_forward_length`]: u32(spec.nFf),
    [`${a}.attention.head_count`]: u32(spec.nHead),
    [`${a}.attention.head_count_kv`]: u32(spec.nHeadKv),
    ...(a === "qwen2"
      ? { "qwen2.attention.layer_norm_rms_epsilon": f32(1e-6), "qwen2.rope.freq_base": f32(1_000_000) }
      : {
          "bert.attention.layer_norm_epsilon": f32(1e-12),
          "bert.attention.causal": { value: false, type: GGUFValueType.BOOL },
          // bge pools the CLS token.
          "bert.pooling_type": u32(2),
        }),
    ...tokenizer,
  };
  const file = `${dir}/${spec.file}`;
  fs.mkdirSync(dir, { recursive: true });
  const answerId = spec.answer === undefined ? undefined : tokens.indexOf(spec.answer);
  if (answerId === -1) throw new Error(`${vocabFile} has no token ${JSON.stringify(spec.answer)}`);
  writeGgufWithData(file, kv, tensorsOf(spec, nVocab, answerId), spec.seed);
  return file;
}

function tensorsOf(s: TinyModelSpec, nVocab: number, answerId?: number): DataTensor[] {
  const E = s.nEmbd;
  const kvDim = (E / s.nHead) * s.nHeadKv;
  const w = (name: string, shape: number[]): DataTensor => ({ name, shape, init: "random", type: "f32" });
  const ones = (name: string, n: number): DataTensor => ({ name, shape: [n], init: "ones", type: "f32" });
  const zeros = (name: string, n: number): DataTensor => ({ name, shape: [n], init: "zeros", type: "f32" });
  // The vocabulary-sized embedding is most of the file: q8_0 keeps it at a few MiB.
  const out: DataTensor[] = [{ name: "token_embd.weight", shape: [E, nVocab], init: "random", type: "q8_0" }];
  if (s.arch === "bert") {
    out.push(
      w("token_types.weight", [E, 2]),
      w("position_embd.weight", [E, s.ctxTrain]),
      ones("token_embd_norm.weight", E),
      zeros("token_embd_norm.bias", E),
    );
  }
  for (let i = 0; i < s.nLayer; i++) {
    const b = `blk.${i}`;
    if (s.arch === "qwen2") out.push(ones(`${b}.attn_norm.weight`, E));
    out.push(
      w(`${b}.attn_q.weight`, [E, E]),
      zeros(`${b}.attn_q.bias`, E),
      w(`${b}.attn_k.weight`, [E, kvDim]),
      zeros(`${b}.attn_k.bias`, kvDim),
      w(`${b}.attn_v.weight`, [E, kvDim]),
      zeros(`${b}.attn_v.bias`, kvDim),
      w(`${b}.attn_output.weight`, [E, E]),
    );
    if (s.arch === "qwen2") {
      out.push(
        ones(`${b}.ffn_norm.weight`, E),
        w(`${b}.ffn_gate.weight`, [E, s.nFf]),
        w(`${b}.ffn_up.weight`, [E, s.nFf]),
        w(`${b}.ffn_down.weight`, [s.nFf, E]),
      );
    } else {
      out.push(
        zeros(`${b}.attn_output.bias`, E),
        ones(`${b}.attn_output_norm.weight`, E),
        zeros(`${b}.attn_output_norm.bias`, E),
        w(`${b}.ffn_up.weight`, [E, s.nFf]),
        zeros(`${b}.ffn_up.bias`, s.nFf),
        w(`${b}.ffn_down.weight`, [s.nFf, E]),
        zeros(`${b}.ffn_down.bias`, E),
        ones(`${b}.layer_output_norm.weight`, E),
        zeros(`${b}.layer_output_norm.bias`, E),
      );
    }
  }
  // qwen2 ties its output to token_embd (no output.weight), as the 3B the stack runs does.
  if (s.arch === "qwen2") out.push(ones("output_norm.weight", E));
  if (answerId !== undefined) out.push({ name: "output.bias", shape: [nVocab], init: { hot: answerId, value: 50 }, type: "f32" });
  return out;
}
