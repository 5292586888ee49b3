/**
 * The pack's one access to the model lock: `models.lock.json` at the
 * repository root, the same file the program plans with. The VRAM policy takes
 * every model's facts from it and reads no GGUF file, so a PR preview and `up`
 * on the GPU host reach the same verdict.
 *
 * The lock is imported, not read from disk by path: run from source
 * (`--policy-pack policies`) that is a `require` of the repository's file; in
 * the built pack (`npm run pack:build`) esbuild inlines it, so a published pack
 * judges with the lock it was built from and needs no file beside it.
 */
import { MODEL_LOCK_FILE, validateModelLock, type ModelLock } from "../../lib/models/lock";
import lockData from "../../models.lock.json";

let cached: ModelLock | undefined;

export function packModelLock(): ModelLock {
  cached ??= validateModelLock(lockData, MODEL_LOCK_FILE);
  return cached;
}
