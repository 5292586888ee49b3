/**
 * The header path: GGUF files written by the test (metadata + tensor infos, and
 * for some the tensor data), parsed by lib/vram's own parser (checked against
 * @huggingface/gguf's), read a piece at a time as `models add` and `verify` do,
 * and turned into the facts the estimates use.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { gguf } from "@huggingface/gguf";
import { beforeAll, describe, expect, it } from "vitest";
import { readHeader, readLocalHeader, readLocalModelFacts, type RangeReader } from "../../lib/ops/models/header-read";
import { estimateFromArgs, factsOfHeader, lookupByFileName, parseGgufHeader, type ModelFacts } from "../../lib/vram";
import { ggufHeaderBytes, tempDir, writeGguf, type FixtureTensor } from "./support/gguf-fixture";

const F32 = 0, Q8_0 = 8, Q4_K = 12, Q6_K = 14;
const MiB = 2 ** 20;
/** Bytes per row of n elements, from ggml's block sizes. */
const row = (type: number, n: number) => ({ [F32]: 4 * n, [Q8_0]: (n / 32) * 34, [Q4_K]: (n / 256) * 144, [Q6_K]: (n / 256) * 210 })[type]!;
const bytes = (t: FixtureTensor) => row(t.type, t.shape[0]!) * (t.shape[1] ?? 1);

// A 2-block llama-style model whose every tensor is a multiple of 128 bytes with
// rows of 512-element multiples, so CUDA padding adds nothing and sums are plain.
const E = 512, KV = 256, FF = 1024, VOCAB = 1024;
const blockTensors = (i: number): FixtureTensor[] => [
  { name: `blk.${i}.attn_norm.weight`, type: F32, shape: [E] },
  { name: `blk.${i}.attn_q.weight`, type: Q4_K, shape: [E, E] },
  { name: `blk.${i}.attn_k.weight`, type: Q4_K, shape: [E, KV] },
  { name: `blk.${i}.attn_v.weight`, type: Q6_K, shape: [E, KV] },
  { name: `blk.${i}.attn_output.weight`, type: Q4_K, shape: [E, E] },
  { name: `blk.${i}.ffn_norm.weight`, type: F32, shape: [E] },
  { name: `blk.${i}.ffn_gate.weight`, type: Q4_K, shape: [E, FF] },
  { name: `blk.${i}.ffn_up.weight`, type: Q4_K, shape: [E, FF] },
  { name: `blk.${i}.ffn_down.weight`, type: Q6_K, shape: [FF, E] },
];
const outputLayer: FixtureTensor[] = [
  { name: "output_norm.weight", type: F32, shape: [E] },
  { name: "output.weight", type: Q6_K, shape: [E, VOCAB] },
];
const tiny: FixtureTensor[] = [{ name: "token_embd.weight", type: Q4_K, shape: [E, VOCAB] }, ...blockTensors(0), ...blockTensors(1), ...outputLayer];
const tinyKv = {
  "general.architecture": "llama", "llama.block_count": 2, "llama.context_length": 2048, "llama.embedding_length": E,
  "llama.feed_forward_length": FF, "llama.attention.head_count": 8, "llama.attention.head_count_kv": 4,
};
const sum = (ts: FixtureTensor[]) => ts.reduce((s, t) => s + bytes(t), 0);

let dir: string;
/** Facts read from the files in `dir`, as a lookup by file name (what the lock would hold after `models add`). */
const fromHeaders = async (...files: string[]) => {
  const facts: Record<string, ModelFacts> = {};
  for (const f of files) facts[f] = await readLocalModelFacts(path.join(dir, f));
  return lookupByFileName(facts, "test headers", "write the file");
};
beforeAll(() => {
  dir = tempDir();
  writeGguf(path.join(dir, "tiny-test-model-Q4_K_M.gguf"), tinyKv, tiny);
});

const argv = (ngl: number | string, extra: string[] = []) => ["-m", "/models/tiny-test-model-Q4_K_M.gguf", "-c", "1024", "-ngl", String(ngl), "-fa", "off", ...extra];

describe("parseGgufHeader", () => {
  it("reads the hyper-parameters and tensor infos from the header", async () => {
    const f = await readLocalModelFacts(path.join(dir, "tiny-test-model-Q4_K_M.gguf"));
    expect(f).toMatchObject({ architecture: "llama", nLayer: 2, nEmbd: E, nHead: 8, nHeadKv: 4, headDimK: 64, headDimV: 64, nFf: FF, nVocab: VOCAB, nCtxTrain: 2048 });
    expect(f.tensors).toHaveLength(tiny.length);
    expect(f.tensors.find((t) => t.name === "blk.1.ffn_down.weight")).toMatchObject({ shape: [FF, E], type: { name: "q6_k" } });
  });

  it("agrees with @huggingface/gguf on every metadata value and tensor info, long string arrays summarised", async () => {
    const tokens = Array.from({ length: 5000 }, (_, i) => `tok${i}`);
    const file = writeGguf(path.join(dir, "with-tokens.gguf"), { ...tinyKv, "tokenizer.ggml.model": "gpt2", "tokenizer.ggml.tokens": tokens, "general.name": "Tiny" }, tiny, { data: "zeros" });
    const theirs = await gguf(file, { allowLocalFile: true });
    const ours = (await readLocalHeader(file)).header;
    expect(ours.tensors.map((t) => [t.name, t.type, t.shape, t.offset])).toEqual(theirs.tensorInfos.map((t) => [t.name, Number(t.dtype), t.shape.map(Number), Number(t.offset)]));
    expect(ours.tensorDataOffset).toBe(Number(theirs.tensorDataOffset));
    expect(ours.metadata["tokenizer.ggml.tokens"]).toEqual({ arrayOf: 8, length: 5000 });
    for (const key of Object.keys(tinyKv).concat("general.name", "tokenizer.ggml.model")) expect(ours.metadata[key]).toEqual((theirs.metadata as Record<string, unknown>)[key]);
    // The data section starts where the header says and runs to the end of the file.
    const lastEnd = Math.max(...theirs.tensorInfos.map((t, i) => Number(t.offset) + ggufHeaderBytes(tinyKv, tiny, { data: "zeros" }).sizes[i]!));
    expect(ours.tensorDataOffset + lastEnd).toBe(fs.statSync(file).size);
  });

  it("says how many bytes it needs when the buffer ends inside the header, and never more than the header", () => {
    const bytes = fs.readFileSync(path.join(dir, "tiny-test-model-Q4_K_M.gguf"));
    const full = parseGgufHeader(bytes);
    if (!full.complete) throw new Error("the whole file must parse");
    for (const cut of [0, 5, 24, 100, full.header.tensorInfoEnd - 1]) {
      const partial = parseGgufHeader(bytes.subarray(0, cut));
      expect(partial).toMatchObject({ complete: false });
      if (!partial.complete) {
        expect(partial.needBytes).toBeGreaterThan(cut);
        expect(partial.needBytes).toBeLessThanOrEqual(full.header.tensorInfoEnd);
      }
    }
    expect(parseGgufHeader(bytes.subarray(0, full.header.tensorInfoEnd))).toMatchObject({ complete: true });
  });

  it("rejects what is not a GGUF v2/v3 header, naming what it found", () => {
    expect(() => parseGgufHeader(Buffer.from("<html>404 Not Found</html>"))).toThrow(/not a GGUF file \(the first bytes are "<htm"/);
    const v1 = Buffer.from(fs.readFileSync(path.join(dir, "tiny-test-model-Q4_K_M.gguf")));
    v1.writeUInt32LE(1, 4);
    expect(() => parseGgufHeader(v1)).toThrow(/GGUF version 1 is not supported/);
  });

  it("reads a header a piece at a time and stops at its end, never touching the tensor data", async () => {
    const tokens = Array.from({ length: 60_000 }, (_, i) => `token-${i}-${"x".repeat(i % 17)}`);
    const file = writeGguf(path.join(dir, "big-header.gguf"), { ...tinyKv, "tokenizer.ggml.tokens": tokens }, tiny, { data: "zeros" });
    const bytes = fs.readFileSync(file);
    const ranges: [number, number][] = [];
    const read: RangeReader = async (start, end) => (ranges.push([start, end]), bytes.subarray(start, end));
    const result = await readHeader(read, file, { firstReadBytes: 64 * 1024 });
    const headerEnd = result.header.tensorInfoEnd;
    expect(headerEnd).toBeGreaterThan(1024 * 1024); // several reads were needed
    expect(ranges[0]).toEqual([0, 64 * 1024]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1]); // each read continues the last
    expect(result.bytesRead).toBeLessThan(1.5 * headerEnd + 1024 * 1024);
    expect(result.bytesRead).toBeLessThan(bytes.length);
    expect(factsOfHeader(result.header, file).nLayer).toBe(2);
  });

  it("fails a file that ends inside its header (a truncated download)", async () => {
    const bytes = fs.readFileSync(path.join(dir, "tiny-test-model-Q4_K_M.gguf"));
    const truncated = path.join(dir, "truncated.gguf");
    fs.writeFileSync(truncated, bytes.subarray(0, 300));
    await expect(readLocalHeader(truncated)).rejects.toThrow(/ends after 300 bytes, inside its GGUF header/);
  });
});

describe("estimates from header facts", () => {
  it("full offload: both blocks + output layer, token_embd stays in RAM", async () => {
    const e = estimateFromArgs(argv(999), await fromHeaders("tiny-test-model-Q4_K_M.gguf"));
    expect(e.source).toBe("test headers");
    expect(e.weightsMiB).toBeCloseTo((sum(blockTensors(0)) + sum(blockTensors(1)) + sum(outputLayer)) / MiB, 2);
    expect([e.layersOnGpu, e.totalLayers]).toEqual([3, 3]);
    // KV: 2 layers x 1024 cells x (K + V rows of 4 heads x 64 x 2 B).
    expect(e.kvMiB).toBeCloseTo((2 * 1024 * 2 * 4 * 64 * 2) / MiB, 4);
  });

  it("ngl 1: the output layer under the pinned build, the last block under an old one", async () => {
    const models = await fromHeaders("tiny-test-model-Q4_K_M.gguf");
    const now = estimateFromArgs(argv(1), models);
    expect(now.weightsMiB).toBeCloseTo(sum(outputLayer) / MiB, 2);
    expect(now.kvMiB).toBe(0);
    const old = estimateFromArgs(argv(1), models, { llamaBuild: 6000 });
    expect(old.weightsMiB).toBeCloseTo(sum(blockTensors(1)) / MiB, 2);
  });

  it("looks the model up by file name, whatever directory the container mounts it at", async () => {
    const e = estimateFromArgs(["-m", "/srv/m/tiny-test-model-Q4_K_M.gguf", "-ngl", "2"], await fromHeaders("tiny-test-model-Q4_K_M.gguf"));
    expect(e.totalLayers).toBe(3);
  });

  it("names the model, what the lookup has and the fix when it is unknown", async () => {
    const models = await fromHeaders("tiny-test-model-Q4_K_M.gguf");
    expect(() => estimateFromArgs(["-m", "/models/mystery-13b-Q4_K_M.gguf"], models)).toThrow(
      'VRAM estimate: model "/models/mystery-13b-Q4_K_M.gguf" is not in test headers (it has tiny-test-model-Q4_K_M.gguf). Fix: write the file',
    );
  });
});

/** Q4_K_M's "more bits" layers (llama.cpp use_more_bits), written out independently here. */
const moreBits = (i: number, n: number) => i < Math.floor(n / 8) || i >= Math.floor((7 * n) / 8) || (i - Math.floor(n / 8)) % 3 === 2;

describe("a Qwen2.5-3B-shaped header reproduces the published buffer", () => {
  it("1834.83 MiB CUDA model buffer at 37/37 (reference load log)", async () => {
    const n = 36, e = 2048, kv = 256, ff = 11008, vocab = 151936;
    const tensors: FixtureTensor[] = [{ name: "token_embd.weight", type: Q6_K, shape: [e, vocab] }];
    for (let i = 0; i < n; i++) {
      const v = moreBits(i, n) ? Q6_K : Q4_K;
      tensors.push(
        { name: `blk.${i}.attn_norm.weight`, type: F32, shape: [e] },
        { name: `blk.${i}.attn_q.weight`, type: Q4_K, shape: [e, e] },
        { name: `blk.${i}.attn_q.bias`, type: F32, shape: [e] },
        { name: `blk.${i}.attn_k.weight`, type: Q4_K, shape: [e, kv] },
        { name: `blk.${i}.attn_k.bias`, type: F32, shape: [kv] },
        { name: `blk.${i}.attn_v.weight`, type: v, shape: [e, kv] },
        { name: `blk.${i}.attn_v.bias`, type: F32, shape: [kv] },
        { name: `blk.${i}.attn_output.weight`, type: Q4_K, shape: [e, e] },
        { name: `blk.${i}.ffn_norm.weight`, type: F32, shape: [e] },
        { name: `blk.${i}.ffn_gate.weight`, type: Q4_K, shape: [e, ff] },
        { name: `blk.${i}.ffn_up.weight`, type: Q4_K, shape: [e, ff] },
        { name: `blk.${i}.ffn_down.weight`, type: v, shape: [ff, e] },
      );
    }
    tensors.push({ name: "output_norm.weight", type: F32, shape: [e] }); // tied: no output.weight
    const kvMeta = {
      "general.architecture": "qwen2", "qwen2.block_count": n, "qwen2.context_length": 32768, "qwen2.embedding_length": e,
      "qwen2.feed_forward_length": ff, "qwen2.attention.head_count": 16, "qwen2.attention.head_count_kv": 2,
    };
    writeGguf(path.join(dir, "qwen-3b-shaped.gguf"), kvMeta, tensors);
    const est = estimateFromArgs(["-m", "/models/qwen-3b-shaped.gguf", "-c", "1024", "-b", "128", "-ngl", "999"], await fromHeaders("qwen-3b-shaped.gguf"));
    expect(Math.abs(est.weightsMiB - 1834.83) / 1834.83).toBeLessThan(0.001);
    expect(est.kvMiB).toBeCloseTo(36.0, 2);
    expect(est.layersOnGpu).toBe(37);
  });
});

describe("op-offload step at partial offload (gpustack/gguf-parser-go#45, Qwen3-0.6B Q8_0)", () => {
  // Published: compute 41.64 MiB at 1, 2 and 4 layers vs 32.09 MiB at every layer
  // (ctx 4096, -fa on, q8_0 K/V, -b 2048 -ub 512 -np 1, a mid-2026 build).
  const n = 28, e = 1024, q = 2048, kv = 1024, ff = 3072, vocab = 151936;
  beforeAll(() => {
    const tensors: FixtureTensor[] = [{ name: "token_embd.weight", type: Q8_0, shape: [e, vocab] }];
    for (let i = 0; i < n; i++) {
      tensors.push(
        { name: `blk.${i}.attn_norm.weight`, type: F32, shape: [e] },
        { name: `blk.${i}.attn_q.weight`, type: Q8_0, shape: [e, q] },
        { name: `blk.${i}.attn_k.weight`, type: Q8_0, shape: [e, kv] },
        { name: `blk.${i}.attn_v.weight`, type: Q8_0, shape: [e, kv] },
        { name: `blk.${i}.attn_output.weight`, type: Q8_0, shape: [q, e] },
        { name: `blk.${i}.attn_q_norm.weight`, type: F32, shape: [128] },
        { name: `blk.${i}.attn_k_norm.weight`, type: F32, shape: [128] },
        { name: `blk.${i}.ffn_norm.weight`, type: F32, shape: [e] },
        { name: `blk.${i}.ffn_gate.weight`, type: Q8_0, shape: [e, ff] },
        { name: `blk.${i}.ffn_up.weight`, type: Q8_0, shape: [e, ff] },
        { name: `blk.${i}.ffn_down.weight`, type: Q8_0, shape: [ff, e] },
      );
    }
    tensors.push({ name: "output_norm.weight", type: F32, shape: [e] });
    writeGguf(path.join(dir, "qwen3-0.6b-shaped.gguf"), {
      "general.architecture": "qwen3", "qwen3.block_count": n, "qwen3.context_length": 40960, "qwen3.embedding_length": e,
      "qwen3.feed_forward_length": ff, "qwen3.attention.head_count": 16, "qwen3.attention.head_count_kv": 8,
      "qwen3.attention.key_length": 128, "qwen3.attention.value_length": 128,
    }, tensors);
  });
  const run = async (ngl: number) =>
    estimateFromArgs(["-m", "/models/qwen3-0.6b-shaped.gguf", "-c", "4096", "-fa", "on", "-ctk", "q8_0", "-ctv", "q8_0", "-b", "2048", "-ub", "512", "-np", "1", "-ngl", String(ngl)], await fromHeaders("qwen3-0.6b-shaped.gguf"));

  it("is flat across shallow depths and steps down at full offload by the published 9.55 MiB (within 10 %)", async () => {
    const [one, two, four, full] = await Promise.all([run(1), run(2), run(4), run(29)]);
    expect(two.computeMiB).toBe(one.computeMiB);
    expect(four.computeMiB).toBe(one.computeMiB);
    const published = 41.64 - 32.09;
    expect(Math.abs(one.computeMiB - full.computeMiB - published) / published).toBeLessThan(0.1);
  });
});
