/**
 * The program's one read of the model lock: `models.lock.json` next to
 * Pulumi.yaml. The plan gets it as data; nothing else about the models is read
 * (no GGUF file, no modelsDir), so a preview anywhere plans what `up` applies.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { MODEL_LOCK_FILE, ModelLockError, parseModelLock, type ModelLock } from "../lib/models/lock";

export function readProgramModelLock(projectDir: string): ModelLock {
  const file = path.join(projectDir, MODEL_LOCK_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new ModelLockError(file, [`cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it is committed at the repository root`]);
  }
  return parseModelLock(text, file);
}
