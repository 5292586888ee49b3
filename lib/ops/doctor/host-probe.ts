/**
 * Everything doctor asks the host, behind one interface so tests inject a
 * fake GPU, a missing Docker daemon or a full disk. Each method answers or
 * throws with a message that says what went wrong; checks turn that into a fix.
 */
import type { DockerDaemonInfo } from "../docker-cli";
import type { ModelFiles } from "../models/verify";

export interface GpuReading {
  /** nvidia-smi index ("0") and UUID ("GPU-..."), either of which a stack's `gpus[].id` may use. */
  index: string;
  uuid: string;
  name: string;
  totalMiB: number;
  freeMiB: number;
}

export interface PathStat {
  exists: boolean;
  isDirectory: boolean;
  /** Writable by the current user (access W_OK). */
  writable: boolean;
}

export interface HostProbe {
  /** Throws when the daemon (or the CLI) is not reachable. */
  dockerInfo(): Promise<DockerDaemonInfo>;
  /** nvidia-smi's GPUs; throws when nvidia-smi is missing or fails (no driver). */
  nvidiaGpus(): Promise<GpuReading[]>;
  /** True when something already listens on host:port. */
  portInUse(host: string, port: number): Promise<boolean>;
  stat(path: string): Promise<PathStat>;
  /** Bytes available to the current user on the filesystem holding `path` (which exists). */
  freeBytes(path: string): Promise<number>;
  /** Absolute path of an executable on PATH, or undefined. */
  which(command: string): Promise<string | undefined>;
  /** Size, GGUF header and sha256 of model files (the lock checks). */
  modelFiles: ModelFiles;
  /** This stack's running containers ([] when Docker is not reachable). */
  runningContainers(stack: string): Promise<string[]>;
}
