/**
 * The models a stack uses (by the config key that names each file) and the
 * config problems of a stack whose models are not in the lock. Pure.
 */
import type { ConfigProblem } from "../config/errors";
import { INFERENCE_ROLES, type StackConfig } from "../config/schema";
import { MODEL_LOCK_FILE, type LockedModel, type ModelLock } from "./lock";

export interface StackModel {
  /** The config key that names the file, e.g. "inference.chat.model". */
  key: string;
  /** The GGUF file name inside paths.modelsDir. */
  file: string;
  /** True when the VRAM plan estimates it from its GGUF facts (the inference servers); the embedding server states its VRAM. */
  planned: boolean;
}

export const ADD_COMMAND = "npm run models -- add <hf-repo> <file> [--revision R]";

/** Every model file the stack's servers load, in config order (one entry per key, so a file used twice appears twice). */
export function stackModels(config: StackConfig): StackModel[] {
  return [
    ...INFERENCE_ROLES.flatMap((role) => {
      const router = config.inference[role].router;
      // A router loads only its models; the server's own `model` is unused.
      if (router)
        return router.models.map((m, i) => ({ key: `inference.${role}.router.models[${i}].model`, file: m.model, planned: true }));
      return [{ key: `inference.${role}.model`, file: config.inference[role].model, planned: true }];
    }),
    { key: "embedding.server.model", file: config.embedding.server.model, planned: false },
  ];
}

/** The distinct files with their lock entries (for pull and verify); a file that is not locked has no entry. */
export function stackFiles(config: StackConfig, lock: ModelLock): { file: string; keys: string[]; entry?: LockedModel }[] {
  const byFile = new Map<string, string[]>();
  for (const m of stackModels(config)) byFile.set(m.file, [...(byFile.get(m.file) ?? []), m.key]);
  return [...byFile].map(([file, keys]) => ({ file, keys, entry: Object.hasOwn(lock.models, file) ? lock.models[file] : undefined }));
}

/** A problem per model the lock cannot serve: not in it at all, or (for a planned server) without GGUF facts. */
export function modelLockProblems(config: StackConfig, lock: ModelLock): ConfigProblem[] {
  const locked = Object.keys(lock.models);
  return stackModels(config).flatMap((m): ConfigProblem[] => {
    const entry = Object.hasOwn(lock.models, m.file) ? lock.models[m.file] : undefined;
    if (!entry) {
      return [
        {
          key: m.key,
          value: m.file,
          allowed: `the model is not in ${MODEL_LOCK_FILE}, so the stack can neither plan nor fetch it (the lock has ${locked.length ? locked.join(", ") : "no models"})`,
          fix: `${ADD_COMMAND.replace("<file>", m.file)}, then commit ${MODEL_LOCK_FILE} (or pick a locked file: pulumi config set --path '${m.key}' <file.gguf>)`,
        },
      ];
    }
    if (m.planned && !entry.gguf) {
      return [
        {
          key: m.key,
          value: m.file,
          allowed: `${MODEL_LOCK_FILE} has no GGUF facts for it, so its VRAM cannot be planned`,
          fix: `re-create the entry from the file's header: npm run models -- add ${entry.source.repo} ${entry.source.file} --revision ${entry.source.revision}`,
        },
      ];
    }
    return [];
  });
}
