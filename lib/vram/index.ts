/**
 * VRAM model for llama-server containers and auto-fit of GPU layers to a
 * GPU's budget. See README.md in this folder for the rules and their sources.
 */
export { estimateFromArgs, estimateVram, lookupByFileName, DEFAULT_OVERHEAD_MIB } from "./estimate";
export type { VramEstimate, EstimateOptions, ModelSource, ModelLookup } from "./estimate";
export { fitGpuLayers } from "./fit";
export type { FitRequest, FitResult } from "./fit";
export { parseLlamaArgs, withGpuLayers } from "./llama-args";
export type { LlamaServerArgs, FlashAttnMode, GpuLayersArg } from "./llama-args";
export {
  OUTPUT_LAYER_FIRST_BUILD,
  F16_FA_MASK_BUILD,
  LIMITED_OUTPUTS_BUILD,
  REFERENCE_MEASUREMENT_BUILD,
  rulesForBuild,
  describeRules,
  pinnedLlamaBuild,
} from "./builds";
export type { BuildRules, PlacementRule } from "./builds";
export { CATALOG, catalogModels, findInCatalog, factsFromSpec, splitModelFileName } from "./catalog";
export type { CatalogEntry, ArchitectureSpec } from "./catalog";
export { parseGgufHeader, factsOfHeader, factsFromHeader, GgufFormatError, GgufValueType } from "./gguf-header";
export type { GgufHeader, GgufParse, GgufTensorInfo, GgufValue, GgufArraySummary } from "./gguf-header";
export type { ModelFacts, TensorFact } from "./model-facts";
export { placeLayers, gpuWeightBytes } from "./placement";
export type { Placement } from "./placement";
export { computeBuffer, OP_OFFLOAD_MIN_BATCH } from "./compute-buffer";
export { kvBytes, kvLayout } from "./kv-cache";
export { ggmlType, tensorBytes, cudaTensorBytes } from "./ggml-types";
