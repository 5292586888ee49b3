/**
 * Every model file the stack mounts is there, is a readable GGUF file, and its
 * header says what the built-in catalog (which the VRAM plan falls back to)
 * says about that model.
 */
import * as path from "node:path";
import { INFERENCE_ROLES, type StackConfig } from "../../config/schema";
import { findInCatalog } from "../../vram/catalog";
import type { ModelFacts } from "../../vram/model-facts";
import type { CheckResult } from "./check-result";
import type { HostProbe } from "./host-probe";

/** Header facts that decide the VRAM estimate. */
const COMPARED: (keyof ModelFacts)[] = ["architecture", "nLayer", "nEmbd", "nHead", "nHeadKv", "headDimK", "headDimV", "nFf", "nVocab"];

export async function modelChecks(config: StackConfig, probe: HostProbe): Promise<CheckResult[]> {
  const { modelsDir } = config.paths;
  return Promise.all(
    INFERENCE_ROLES.map(async (role): Promise<CheckResult> => {
      const model = config.inference[role].model;
      const file = path.join(modelsDir, model);
      const check = `model (${role})`;
      const stat = await probe.stat(file);
      if (!stat.exists || stat.isDirectory) {
        return {
          check, target: file, status: "fail",
          detail: `GGUF file missing${stat.isDirectory ? " (a directory has that name)" : ""}`,
          fix: `download ${model} into ${modelsDir}, or point the stack at it: pulumi config set --path 'inference.${role}.model' <file.gguf> / 'paths.modelsDir' <dir>`,
        };
      }
      let facts: ModelFacts;
      try {
        facts = await probe.readModelFacts(file);
      } catch (error) {
        return { check, target: file, status: "fail", detail: `not a readable GGUF header: ${(error as Error).message}`, fix: `re-download ${model} (the file is damaged or not GGUF)` };
      }
      const summary = `${facts.architecture}, ${facts.nLayer} layers, n_embd ${facts.nEmbd}, vocab ${facts.nVocab}`;
      const match = findInCatalog(model);
      if (!match) {
        return { check, target: file, status: "warn", detail: `header read (${summary}); not in the built-in catalog, so CI and PR previews cannot estimate its VRAM`, fix: "add the model to lib/vram/catalog.ts" };
      }
      const differences = COMPARED.filter((k) => facts[k] !== match.facts[k]).map((k) => `${k} ${String(facts[k])} (catalog ${String(match.facts[k])})`);
      if (differences.length) {
        return {
          check, target: file, status: "fail",
          detail: `header does not match the catalog's ${match.entry.name}: ${differences.join(", ")}`,
          fix: `the file is not ${match.entry.name} ${match.quant}: re-download it, or rename it after what it is`,
        };
      }
      return { check, target: file, status: "ok", detail: `${summary}; matches the catalog's ${match.entry.name} ${match.quant}` };
    }),
  );
}
