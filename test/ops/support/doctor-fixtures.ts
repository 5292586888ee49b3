/**
 * A fake host for doctor (everything healthy unless a test says otherwise). Model
 * files are placeholders that the fake `modelFiles` reports as the locked ones
 * (the real files are gigabytes); the model-check tests use small real files
 * with a lock of their own.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { factsOfLocked, type ModelLock } from "../../../lib/models/lock";
import type { HostProbe } from "../../../ops/doctor/host-probe";
import { realHostProbe } from "../../../ops/doctor/real-host-probe";
import type { ModelFiles } from "../../../ops/models/verify";
import { REPO_LOCK } from "../../support/model-lock";

export const GIB = 1024 ** 3;

export function fakeProbe(overrides: Partial<HostProbe> = {}): HostProbe {
  return {
    dockerInfo: async () => ({ serverVersion: "28.2.2", apiVersion: "1.50", runtimes: ["io.containerd.runc.v2", "nvidia", "runc"] }),
    nvidiaGpus: async () => [
      {
        index: "0",
        uuid: "GPU-0a1b2c3d-0000-0000-0000-000000000000",
        name: "NVIDIA GeForce RTX 4050 Laptop GPU",
        totalMiB: 6141,
        freeMiB: 5900,
      },
    ],
    portInUse: async () => false,
    stat: realHostProbe.stat,
    freeBytes: async () => 100 * GIB,
    which: async (command) => (command === "pulumi" ? "/usr/local/bin/pulumi" : undefined),
    modelFiles: lockedModelFiles(REPO_LOCK),
    runningContainers: async () => [],
    ...overrides,
  };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Model files that, where a file of that name exists, are exactly what `lock` says (size, header, sha256). */
export function lockedModelFiles(lock: ModelLock): ModelFiles {
  const entry = (file: string) => lock.models[path.basename(file)];
  return {
    async stat(file) {
      const e = entry(file);
      return fs.existsSync(file) && e
        ? { exists: true, isFile: true, size: e.size }
        : { exists: fs.existsSync(file), isFile: fs.existsSync(file), size: 0 };
    },
    async readFacts(file) {
      return factsOfLocked(entry(file)!.gguf!);
    },
    async sha256(file) {
      return entry(file)!.sha256;
    },
  };
}

/** An empty placeholder under a model's name (the fake modelFiles answers for it). */
export function placeModel(dir: string, fileName: string): string {
  const file = path.join(dir, fileName);
  fs.writeFileSync(file, "");
  return file;
}
