/** A fake host for doctor (everything healthy unless a test says otherwise) and GGUF headers generated from the catalog. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { HostProbe } from "../../../lib/ops/doctor/host-probe";
import { realHostProbe } from "../../../lib/ops/doctor/real-host-probe";
import { findInCatalog } from "../../../lib/vram/catalog";
import { writeGguf } from "../../vram/support/gguf-fixture";

export const GIB = 1024 ** 3;

export function fakeProbe(overrides: Partial<HostProbe> = {}): HostProbe {
  return {
    dockerInfo: async () => ({ serverVersion: "27.3.1", apiVersion: "1.47", runtimes: ["io.containerd.runc.v2", "nvidia", "runc"] }),
    nvidiaGpus: async () => [{ index: "0", uuid: "GPU-0a1b2c3d-0000-0000-0000-000000000000", name: "NVIDIA GeForce RTX 4050 Laptop GPU", totalMiB: 6141, freeMiB: 5900 }],
    portInUse: async () => false,
    stat: realHostProbe.stat,
    freeBytes: async () => 100 * GIB,
    which: async (command) => (command === "pulumi" ? "/usr/local/bin/pulumi" : undefined),
    readModelFacts: realHostProbe.readModelFacts,
    runningContainers: async () => [],
    ...overrides,
  };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A header-only GGUF file whose metadata and tensor list are the catalog's
 * model for `fileName` (with `change` applied to the metadata).
 */
export function writeCatalogGguf(dir: string, fileName: string, change: Record<string, number> = {}): string {
  const match = findInCatalog(fileName);
  if (!match) throw new Error(`${fileName} is not in the catalog`);
  const f = match.facts;
  const arch = f.architecture;
  const kv = {
    "general.architecture": arch,
    [`${arch}.block_count`]: f.nLayer,
    [`${arch}.embedding_length`]: f.nEmbd,
    [`${arch}.attention.head_count`]: f.nHead,
    [`${arch}.attention.head_count_kv`]: f.nHeadKv,
    [`${arch}.feed_forward_length`]: f.nFf,
    [`${arch}.context_length`]: f.nCtxTrain,
    ...change,
  };
  return writeGguf(path.join(dir, fileName), kv, f.tensors.map((t) => ({ name: t.name, type: t.type.id, shape: t.shape })));
}
