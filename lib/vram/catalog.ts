/**
 * Built-in facts of four Q4_K_M models, generated from architecture
 * hyper-parameters and the quantisation recipe (the tensor list and every byte
 * count are computed). The model lock's entries for the Qwen files were made
 * from these (`models.lock.json`, provenance "catalog"); the plan and the policy
 * pack read the lock, never this catalog. The published-figure checks and
 * `npm run bench:vram` use it through `catalogModels`.
 */
import type { ModelLookup } from "./estimate";
import { ggmlType } from "./ggml-types";
import type { ModelFacts, TensorFact } from "./model-facts";
import { RECIPES, type QuantRecipe } from "./quant-recipe";

export interface ArchitectureSpec {
  architecture: "qwen2" | "llama";
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  nFf: number;
  nVocab: number;
  nCtxTrain: number;
  /** No output.weight: the output projection reuses token_embd (Qwen2.5-3B). */
  tiedEmbeddings: boolean;
  /** Qwen2 has biases on the Q/K/V projections. */
  qkvBias: boolean;
  /** Llama 3.1 ships a `rope_freqs.weight` (head_dim / 2 floats). */
  ropeFreqs: boolean;
}

export interface CatalogEntry {
  /** Canonical model name (Hugging Face repo name). */
  name: string;
  /** Other spellings of the name part of the file name. */
  aliases: string[];
  spec: ArchitectureSpec;
}

const QWEN25_7B: ArchitectureSpec = {
  architecture: "qwen2", nLayer: 28, nEmbd: 3584, nHead: 28, nHeadKv: 4, headDim: 128, nFf: 18944,
  nVocab: 152064, nCtxTrain: 32768, tiedEmbeddings: false, qkvBias: true, ropeFreqs: false,
};

/**
 * Sources: Qwen2.5 config.json files and GGUF metadata dumps (ollama/ollama#11388),
 * Llama-3.1-8B GGUF metadata (utilityai/llama-cpp-rs#400); see
 * shared/reference/vram-and-policy.md A2.
 */
export const CATALOG: CatalogEntry[] = [
  {
    name: "Qwen2.5-3B-Instruct",
    aliases: [],
    spec: {
      architecture: "qwen2", nLayer: 36, nEmbd: 2048, nHead: 16, nHeadKv: 2, headDim: 128, nFf: 11008,
      nVocab: 151936, nCtxTrain: 32768, tiedEmbeddings: true, qkvBias: true, ropeFreqs: false,
    },
  },
  { name: "Qwen2.5-7B-Instruct", aliases: [], spec: QWEN25_7B },
  { name: "Qwen2.5-Coder-7B-Instruct", aliases: [], spec: QWEN25_7B },
  {
    name: "Meta-Llama-3.1-8B-Instruct",
    aliases: ["Llama-3.1-8B-Instruct"],
    spec: {
      architecture: "llama", nLayer: 32, nEmbd: 4096, nHead: 32, nHeadKv: 8, headDim: 128, nFf: 14336,
      nVocab: 128256, nCtxTrain: 131072, tiedEmbeddings: false, qkvBias: false, ropeFreqs: true,
    },
  },
];

const QUANT_SUFFIX = /[-_.](q\d_k_[sml]|q\d_k|q\d_\d|iq\d_\w+|bf16|f16|f32)$/i;

const normalise = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Splits "qwen2.5-coder-7b-instruct-q4_k_m.gguf" into name and quantisation ("Q4_K_M"). */
export function splitModelFileName(fileName: string): { name: string; quant?: string } {
  const base = (fileName.split(/[\\/]/).pop() ?? fileName).replace(/\.gguf$/i, "");
  const match = QUANT_SUFFIX.exec(base);
  return match ? { name: base.slice(0, match.index), quant: match[1]!.toUpperCase() } : { name: base };
}

export interface CatalogMatch {
  entry: CatalogEntry;
  quant: string;
  facts: ModelFacts;
}

/** The catalog entry for a model file name (case-insensitive), or undefined when none matches. */
export function findInCatalog(fileName: string): CatalogMatch | undefined {
  const { name, quant } = splitModelFileName(fileName);
  if (!quant || !RECIPES[quant]) return undefined;
  const key = normalise(name);
  const entry = CATALOG.find((e) => [e.name, ...e.aliases].some((n) => normalise(n) === key));
  return entry ? { entry, quant, facts: factsFromSpec(entry.spec, RECIPES[quant]!) } : undefined;
}

/** The catalog as a ModelLookup (by file name, case-insensitive). */
export const catalogModels: ModelLookup = (model) => {
  const match = findInCatalog(model);
  if (!match) throw new Error(`VRAM estimate: "${model}" is not in the built-in catalog (${catalogSummary()})`);
  return { facts: match.facts, source: "catalog" };
};

/** The catalog's model names with the quantisations it can compute, for error messages. */
export function catalogSummary(): string {
  return `${CATALOG.map((e) => e.name).join(", ")} in ${Object.keys(RECIPES).join(", ")}`;
}

/** The llama.cpp tensor list of a dense qwen2/llama model, typed by `recipe`. */
export function factsFromSpec(spec: ArchitectureSpec, recipe: QuantRecipe): ModelFacts {
  const { nLayer, nEmbd, nHead, nHeadKv, headDim, nFf, nVocab } = spec;
  const kvDim = nHeadKv * headDim;
  const qDim = nHead * headDim;
  const shapes: [string, number[], number?][] = [["token_embd.weight", [nEmbd, nVocab]]];
  for (let i = 0; i < nLayer; i++) {
    const blk = `blk.${i}.`;
    shapes.push(
      [`${blk}attn_norm.weight`, [nEmbd], i],
      [`${blk}attn_q.weight`, [nEmbd, qDim], i],
      [`${blk}attn_k.weight`, [nEmbd, kvDim], i],
      [`${blk}attn_v.weight`, [nEmbd, kvDim], i],
      [`${blk}attn_output.weight`, [qDim, nEmbd], i],
      [`${blk}ffn_norm.weight`, [nEmbd], i],
      [`${blk}ffn_gate.weight`, [nEmbd, nFf], i],
      [`${blk}ffn_up.weight`, [nEmbd, nFf], i],
      [`${blk}ffn_down.weight`, [nFf, nEmbd], i],
    );
    if (spec.qkvBias) shapes.push([`${blk}attn_q.bias`, [qDim], i], [`${blk}attn_k.bias`, [kvDim], i], [`${blk}attn_v.bias`, [kvDim], i]);
  }
  shapes.push(["output_norm.weight", [nEmbd]]);
  if (!spec.tiedEmbeddings) shapes.push(["output.weight", [nEmbd, nVocab]]);
  if (spec.ropeFreqs) shapes.push(["rope_freqs.weight", [headDim / 2]]);

  const tensors: TensorFact[] = shapes.map(([name, shape, layer]) => ({
    name,
    shape,
    type: ggmlType(recipe({ name, layer, nLayer, rowLength: shape[0]!, tiedOutput: spec.tiedEmbeddings })),
  }));
  return {
    architecture: spec.architecture, nLayer, nEmbd, nHead, nHeadKv, headDimK: headDim, headDimV: headDim,
    nFf, nVocab, nCtxTrain: spec.nCtxTrain, tensors,
  };
}
