/**
 * The pack's one access to the model lock: `models.lock.json` at the
 * repository root, the same file the program plans with. The VRAM policy takes
 * every model's facts from it and reads no GGUF file, so a PR preview and `up`
 * on the GPU host reach the same verdict.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { MODEL_LOCK_FILE, parseModelLock, type ModelLock } from "../../lib/models/lock";

export const PACK_MODEL_LOCK_FILE = path.resolve(__dirname, "..", "..", MODEL_LOCK_FILE);

let cached: ModelLock | undefined;

export function packModelLock(): ModelLock {
  cached ??= parseModelLock(fs.readFileSync(PACK_MODEL_LOCK_FILE, "utf8"), PACK_MODEL_LOCK_FILE);
  return cached;
}
