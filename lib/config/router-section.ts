/**
 * Router mode of an inference server (llama-server b9851 started without a
 * model, `--models-preset`, `--models-max`): one container serves a list of
 * models and keeps at most `maxLoaded` of them loaded, evicting the least
 * recently used one before it loads another. Each model may override the
 * server's own settings; what it does not state it inherits from the server.
 */
import { z } from "zod";

export const CACHE_TYPES = ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1"] as const;

export const ggufFileName = z
  .string()
  .min(1)
  .regex(/^[^/]+\.gguf$/i, "must be a .gguf file name inside paths.modelsDir (no directories)");

export const modelAlias = z.string().regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only");

export const gpuLayers = z.union([z.int().min(0).max(999), z.literal("auto")]);
export const ctxSize = z.int().min(64).max(1_048_576);
export const flashAttn = z.enum(["on", "off", "auto"]);
export const cacheType = z.enum(CACHE_TYPES);

/** The server settings a router model may set for itself (the rest are the router's: threads, sampling, limits). */
export const ROUTER_MODEL_OVERRIDES = [
  "nGpuLayers",
  "ctxSize",
  "batchSize",
  "ubatchSize",
  "parallel",
  "flashAttn",
  "cacheTypeK",
  "cacheTypeV",
] as const;

const routerModel = z.strictObject({
  model: ggufFile(),
  alias: modelAlias.describe("The model's name: its preset section, the `model` field requests carry, and its public name at the gateway."),
  nGpuLayers: gpuLayers.optional(),
  ctxSize: ctxSize.optional(),
  batchSize: z.int().min(1).optional(),
  ubatchSize: z.int().min(1).optional(),
  parallel: z.int().min(1).max(64).optional(),
  flashAttn: flashAttn.optional(),
  cacheTypeK: cacheType.optional(),
  cacheTypeV: cacheType.optional(),
});

function ggufFile() {
  return ggufFileName.describe("GGUF file name inside `paths.modelsDir`; it must be in models.lock.json.");
}

export type RouterModelConfig = z.infer<typeof routerModel>;

export const routerSection = z
  .strictObject({
    maxLoaded: z
      .int()
      .min(1)
      .max(16)
      .describe(
        "`--models-max`: models loaded at once. Loading one more first unloads the least recently used and waits for it to exit, so the VRAM plan budgets the worst set of this many.",
      ),
    models: z
      .array(routerModel)
      .min(1)
      .max(32)
      .describe(
        "The models it may load, in the preset it is given; nothing else in `paths.modelsDir` can be loaded. Unset settings are the server's (`ctxSize`, `nGpuLayers`, ...).",
      ),
  })
  .superRefine((r, ctx) => {
    const seen = new Set<string>();
    r.models.forEach((m, i) => {
      if (seen.has(m.alias))
        ctx.addIssue({ code: "custom", path: ["models", i, "alias"], message: `duplicate router model alias "${m.alias}"` });
      seen.add(m.alias);
    });
    if (r.maxLoaded > r.models.length) {
      ctx.addIssue({
        code: "custom",
        path: ["maxLoaded"],
        message: `is ${r.maxLoaded} but the router has only ${r.models.length} model(s); set it to at most ${r.models.length}`,
      });
    }
  });

export type RouterConfig = z.infer<typeof routerSection>;
