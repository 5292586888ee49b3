/** The HostProbe doctor uses on a real machine: docker and nvidia-smi CLIs, node's fs and net. */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { dockerDaemonInfo, runningStackContainers } from "../docker-cli";
import { localModelFiles } from "../models/verify";
import { firstLine, runCommand } from "../run-command";
import type { GpuReading, HostProbe } from "./host-probe";

export const realHostProbe: HostProbe = {
  dockerInfo: dockerDaemonInfo,
  runningContainers: runningStackContainers,
  modelFiles: localModelFiles,

  async nvidiaGpus() {
    const result = await runCommand("nvidia-smi", ["--query-gpu=index,uuid,name,memory.total,memory.free", "--format=csv,noheader,nounits"]);
    if (result.notFound) throw new Error("nvidia-smi not found (no NVIDIA driver installed)");
    if (!result.ok) throw new Error(`nvidia-smi failed: ${firstLine(result.stderr)}`);
    return parseNvidiaSmi(result.stdout);
  },

  /** Binding is the only reliable test: it sees listeners of every user and both address families' wildcards. */
  portInUse(host, port) {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolve(true) : reject(error)));
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
    });
  },

  async stat(p) {
    try {
      const s = await fs.promises.stat(p);
      const writable = await fs.promises.access(p, fs.constants.W_OK).then(() => true, () => false);
      return { exists: true, isDirectory: s.isDirectory(), writable };
    } catch {
      return { exists: false, isDirectory: false, writable: false };
    }
  },

  async freeBytes(p) {
    const s = await fs.promises.statfs(p);
    return s.bavail * s.bsize;
  },

  async which(command) {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
      const candidate = path.join(dir, command);
      if (await fs.promises.access(candidate, fs.constants.X_OK).then(() => true, () => false)) return candidate;
    }
    return undefined;
  },
};

/** `nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.free --format=csv,noheader,nounits` lines. */
export function parseNvidiaSmi(csv: string): GpuReading[] {
  return csv
    .split("\n")
    .map((line) => line.split(",").map((f) => f.trim()))
    .filter((f) => f.length >= 5 && f[0] !== "")
    .map(([index, uuid, name, total, free]) => ({ index: index!, uuid: uuid!, name: name!, totalMiB: Number(total), freeMiB: Number(free) }));
}
