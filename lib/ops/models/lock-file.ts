/** Reading and writing models.lock.json for the operations tasks (the write is atomic: a temp file renamed over it). */
import * as fs from "node:fs";
import * as path from "node:path";
import { emptyModelLock, MODEL_LOCK_FILE, ModelLockError, parseModelLock, serializeModelLock, type ModelLock } from "../../models/lock";

export function lockFilePath(projectDir: string, override?: string): string {
  return override ? path.resolve(override) : path.join(projectDir, MODEL_LOCK_FILE);
}

/** The lock at `file`; with `allowMissing`, an empty lock when the file does not exist (the first `add`). */
export function readLockFile(file: string, options: { allowMissing?: boolean } = {}): ModelLock {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && options.allowMissing) return emptyModelLock();
    throw new ModelLockError(file, [`cannot read it: ${(error as Error).message}`]);
  }
  return parseModelLock(text, file);
}

export function writeLockFile(file: string, lock: ModelLock): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, serializeModelLock(lock));
  fs.renameSync(tmp, file);
}
