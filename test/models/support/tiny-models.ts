/**
 * Small but complete GGUF model files (header + tensor data) for the model
 * lock tests, and locks that describe them as `models add` would.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { emptyModelLock, lockedGgufOf, withModel, type LockedModel, type ModelLock } from "../../../lib/models/lock";
import { factsFromHeader } from "../../../lib/vram/gguf-header";
import { ggmlType } from "../../../lib/vram/ggml-types";
import type { ModelFacts } from "../../../lib/vram/model-facts";
import { writeGguf, type FixtureKv, type FixtureTensor } from "../../vram/support/gguf-fixture";

const F32 = 0, Q4_K = 12, Q6_K = 14;

export interface TinyModel {
  kv: FixtureKv;
  tensors: FixtureTensor[];
  facts: ModelFacts;
}

/** A llama-style model with `nLayer` blocks of 512-wide Q4_K/Q6_K matrices (about 1.5 MB of tensor data per block). */
export function tinyModel(nLayer = 2, options: { ctx?: number; vocab?: number } = {}): TinyModel {
  const E = 512, KV = 256, FF = 1024, VOCAB = options.vocab ?? 1024;
  const tensors: FixtureTensor[] = [{ name: "token_embd.weight", type: Q4_K, shape: [E, VOCAB] }];
  for (let i = 0; i < nLayer; i++) {
    tensors.push(
      { name: `blk.${i}.attn_norm.weight`, type: F32, shape: [E] },
      { name: `blk.${i}.attn_q.weight`, type: Q4_K, shape: [E, E] },
      { name: `blk.${i}.attn_k.weight`, type: Q4_K, shape: [E, KV] },
      { name: `blk.${i}.attn_v.weight`, type: i === 0 ? Q6_K : Q4_K, shape: [E, KV] },
      { name: `blk.${i}.attn_output.weight`, type: Q4_K, shape: [E, E] },
      { name: `blk.${i}.ffn_norm.weight`, type: F32, shape: [E] },
      { name: `blk.${i}.ffn_gate.weight`, type: Q4_K, shape: [E, FF] },
      { name: `blk.${i}.ffn_up.weight`, type: Q4_K, shape: [E, FF] },
      { name: `blk.${i}.ffn_down.weight`, type: Q6_K, shape: [FF, E] },
    );
  }
  tensors.push({ name: "output_norm.weight", type: F32, shape: [E] }, { name: "output.weight", type: Q6_K, shape: [E, VOCAB] });
  const kv: FixtureKv = {
    "general.architecture": "llama",
    "llama.block_count": nLayer,
    "llama.context_length": options.ctx ?? 2048,
    "llama.embedding_length": E,
    "llama.feed_forward_length": FF,
    "llama.attention.head_count": 8,
    "llama.attention.head_count_kv": 4,
  };
  const facts = factsFromHeader(kv as Record<string, unknown>, tensors.map((t) => ({ name: t.name, type: ggmlType(t.type), shape: t.shape })), "tiny");
  return { kv, tensors, facts };
}

export interface WrittenModel {
  file: string;
  path: string;
  size: number;
  sha256: string;
  facts: ModelFacts;
}

export function writeTinyModel(dir: string, file: string, nLayer = 2, seed = 1): WrittenModel {
  const model = tinyModel(nLayer);
  const target = path.join(dir, file);
  writeGguf(target, model.kv, model.tensors, { data: "pattern", seed });
  const bytes = fs.readFileSync(target);
  return { file, path: target, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), facts: model.facts };
}

export const COMMIT = (n: number) => n.toString(16).padStart(40, "a");

/** The entry `models add` would write for a file published in `repo` at `commit`. */
export function hubEntry(model: WrittenModel, repo: string, commit: string): LockedModel {
  return {
    source: { repo, file: model.file, revision: commit },
    size: model.size,
    sha256: model.sha256,
    gguf: lockedGgufOf(model.facts),
    provenance: { source: { from: "hub" }, size: { from: "hub" }, sha256: { from: "hub" }, gguf: { from: "header" } },
  };
}

export function lockOf(entries: Record<string, LockedModel>): ModelLock {
  return Object.entries(entries).reduce((lock, [name, entry]) => withModel(lock, name, entry), emptyModelLock());
}

/** `--set` overrides that point a committed stack at these files (one GPU big enough for anything tiny). */
export function tinyStackSets(modelsDir: string, files: { chat: string; code: string; embedding: string }, dataDir?: string): string[] {
  return [
    `paths.modelsDir=${modelsDir}`,
    ...(dataDir ? [`paths.dataDir=${dataDir}`] : []),
    `inference.chat.model=${files.chat}`,
    `inference.code.model=${files.code}`,
    `embedding.server.model=${files.embedding}`,
  ];
}
