/**
 * Which ggml type llama-quantize gives each tensor for a file type (the
 * `llama_tensor_get_type` rules in llama.cpp's llama-quant.cpp), so the
 * catalog can produce exact per-tensor bytes without the file.
 */

/** The layers llama.cpp quantises with more bits in the *_M mixes. */
export function useMoreBits(layer: number, nLayers: number): boolean {
  const eighth = Math.trunc(nLayers / 8);
  return layer < eighth || layer >= Math.trunc((7 * nLayers) / 8) || (layer - eighth) % 3 === 2;
}

export interface RecipeInput {
  name: string;
  /** Block index for `blk.N.*` tensors. */
  layer?: number;
  nLayer: number;
  /** ne0: row length; K-quants need a multiple of 256. */
  rowLength: number;
  /** The model has no output.weight, so token_embd doubles as the output projection. */
  tiedOutput: boolean;
}

export type QuantRecipe = (t: RecipeInput) => string;

/** Q4_K_M (file type 15): Q4_K, Q6_K for the output projection and for attn_v/ffn_down in the "more bits" layers. */
export const Q4_K_M: QuantRecipe = (t) => {
  if (t.name.endsWith("_norm.weight") || t.name.endsWith(".bias") || t.name.startsWith("rope_freqs")) return "f32";
  let type = "q4_k";
  if (t.name === "output.weight" || (t.tiedOutput && t.name === "token_embd.weight")) type = "q6_k";
  else if (
    (t.name.endsWith("attn_v.weight") || t.name.endsWith("ffn_down.weight")) &&
    t.layer !== undefined &&
    useMoreBits(t.layer, t.nLayer)
  )
    type = "q6_k";
  return t.rowLength % 256 === 0 ? type : (K_QUANT_FALLBACK[type] ?? type);
};

/** llama.cpp's fallback when a row is not a multiple of the 256-element K-quant block. */
const K_QUANT_FALLBACK: Record<string, string> = { q4_k: "q5_0", q5_k: "q5_1", q6_k: "q8_0" };

export const RECIPES: Record<string, QuantRecipe> = { Q4_K_M };
