/**
 * Every model file the stack mounts is there and is the file the lock pins:
 * its size, its GGUF header against the lock's facts (what the VRAM plan was
 * computed from) and its sha256 — the checks `npm run models -- verify` makes.
 */
import type { StackConfig } from "../../config/schema";
import type { ModelLock } from "../../models/lock";
import { verifyStackModels } from "../models/verify";
import type { CheckResult } from "./check-result";
import type { HostProbe } from "./host-probe";

/** "inference.chat.model" -> "chat", "embedding.server.model" -> "embedding". */
const roleOf = (key: string) => (key.startsWith("inference.") ? key.split(".")[1]! : key.split(".")[0]!);

export async function modelChecks(config: StackConfig, lock: ModelLock, probe: HostProbe, options: { stack?: string; skipHash?: boolean } = {}): Promise<CheckResult[]> {
  const verdicts = await verifyStackModels(config, lock, probe.modelFiles, { stack: options.stack, skipHash: options.skipHash });
  return verdicts.map((v) => ({
    check: `model (${v.keys.map(roleOf).join(", ")})`,
    target: v.target,
    status: v.status,
    detail: v.detail,
    ...(v.fix ? { fix: v.fix } : {}),
  }));
}
