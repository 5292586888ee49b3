/**
 * A service as plain data: everything the component layer needs to create its
 * container, and everything tests and policies need to reason about it.
 */
import type { SecretKey } from "../config/schema";

/** The keys a service can require of its callers. */
export type StackKey = "gatewayMasterKey" | "qdrantApiKey" | "inferenceApiKey" | "serviceToken";

export interface HealthcheckSpec {
  /** Docker's test form: ["CMD", ...] or ["CMD-SHELL", "..."]. */
  test: string[];
  intervalSec: number;
  timeoutSec: number;
  retries: number;
  /** Failures inside this window do not count; sized for model loads. */
  startPeriodSec: number;
  /**
   * Probe interval inside the start period, so readiness is seen within seconds.
   * Absent when the engine is older than API 1.44, which refuses the setting:
   * there the first probe runs one `intervalSec` after the start.
   */
  startIntervalSec?: number;
}

export interface PortSpec {
  internal: number;
  external: number;
  ip: string;
  /** The config key that sets `external`, for error messages. */
  configKey: string;
}

/** A host directory mounted into the container. Pulumi never deletes host paths. */
export interface BindSpec {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** A named Docker volume owned by the stack (retained on delete). */
export interface VolumeSpec {
  /** Docker volume name (without the container prefix). */
  volume: string;
  containerPath: string;
  readOnly: boolean;
}

/** A rendered file shipped into the container before it starts. */
export interface FileSpec {
  path: string;
  /**
   * Plain-text content (stored as-is in Pulumi state). For a secret file: empty (the file is the
   * secret alone), or a template holding SECRET_PLACEHOLDER (a config file with a key in it).
   */
  content: string;
  /**
   * The file holds this stack secret, filled in at deploy time and kept encrypted
   * in state: a bearer token Prometheus reads from a file, or Qdrant's key in its config file.
   */
  secret?: SecretKey;
}

/** Where a secret file's template takes its secret (as a JSON string, which YAML reads as a quoted scalar). */
export const SECRET_PLACEHOLDER = "{{secret}}";

/** What a secret file holds once `value` is filled in: the value itself, or the template with it in place. */
export function secretFileContent(file: Pick<FileSpec, "path" | "content">, value: string): string {
  if (file.content === "") return value;
  if (!file.content.includes(SECRET_PLACEHOLDER))
    throw new Error(`secret file ${file.path}: a template must hold ${SECRET_PLACEHOLDER} (or be empty: the file is the secret)`);
  return file.content.split(SECRET_PLACEHOLDER).join(JSON.stringify(value));
}

/** A Prometheus endpoint the service exposes on the stack network. */
export interface MetricsSpec {
  port: number;
  path: string;
  /** Secret to send as a bearer token, when the endpoint needs one (Qdrant with an API key). */
  bearerSecret?: SecretKey;
}

export type ImageSpec =
  | { kind: "registry"; ref: string }
  | {
      kind: "build";
      ref: string;
      /** Absolute build context on the machine that runs the program. */
      context: string;
      dockerfile: string;
      args?: Record<string, string>;
      /** The config key that chose this source (for error messages). */
      configKey: string;
      /**
       * A digest of what the build context holds (program/build-context-digest.ts), filled in by the
       * program where the context is on this machine: a change rebuilds the image, which the
       * provider would not do for a source change under the same tag.
       */
      sourceDigest?: string;
    };

export type GroupName = "inference" | "gateway" | "vector-store" | "rag" | "mcp" | "memory" | "monitoring" | "healer";

/** How `up` creates, waits for, replaces and stops the container: decided once, in defineService. */
export interface LifecycleSpec {
  /** `up` waits until the container reports healthy before creating its dependents. */
  waitForHealthy: boolean;
  /** How long `up` waits for healthy: the start period plus `retries` failed probes. */
  waitTimeoutSec: number;
  /** Pulumi's create timeout: the health wait plus room to create the container. */
  createTimeoutSec: number;
  /** Seconds between SIGTERM and SIGKILL when the container is stopped, replaced or destroyed. */
  stopGraceSec: number;
  /** Fixed names and host ports: the old container must go before its replacement starts. */
  deleteBeforeReplace: boolean;
  /**
   * Container fields whose change must replace the container: the provider
   * records a healthcheck or tmpfs change in state but never applies it to a
   * running one (lib/docker/container-properties.ts).
   */
  replaceOnChanges: string[];
  /** Keep the image when the container goes (multi-GB CUDA images; a tag bump pulls the new one). */
  keepImage: boolean;
  /** The healer restarts it when it turns unhealthy (Docker's restart policy acts on exit only). */
  restartWhenUnhealthy: boolean;
  /**
   * Before `up` changes the container, its data is backed up from the running
   * one (a command resource the container depends on): it holds data and the
   * stack's backup.beforeChange is on.
   */
  backupBeforeChange: boolean;
}

/** Where the container's stdout/stderr go. */
export interface LoggingSpec {
  driver: "json-file";
  maxSizeMiB: number;
  maxFiles: number;
  /** Container labels copied into every log line (the log shipper names the service from them). */
  labels: string[];
}

export interface ServiceSpec {
  /** Reference service name: the DNS alias on the stack network. */
  service: string;
  /** Container name (the service name, optionally prefixed). */
  containerName: string;
  group: GroupName;
  image: ImageSpec;
  command?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  /** Env vars whose value is a stack secret (never plain config). */
  secretEnv: Record<string, SecretKey>;
  ports: PortSpec[];
  binds: BindSpec[];
  volumes: VolumeSpec[];
  files: FileSpec[];
  healthcheck: HealthcheckSpec;
  /** Where Prometheus scrapes it, if anywhere. */
  metrics?: MetricsSpec;
  /**
   * Internal Docker networks beyond the stack network, each shared only by the
   * services that name it (the healer and its Docker API proxy). Absent: none.
   */
  privateNetworks?: string[];
  /** false: the container stays off the stack network, on its private networks alone. Absent: it joins. */
  stackNetwork?: false;
  /** Services this one talks to; it is created only once they report healthy. */
  dependsOn: string[];
  /**
   * The stack keys this service sends to the services it calls (the gateway's
   * master key, Qdrant's API key). A service that requires a key its caller
   * does not send fails the plan (lib/plan/caller-keys.ts).
   */
  sendsKeys: StackKey[];
  /** GPU device ids (from `gpus[].id`) requested from the NVIDIA runtime. */
  gpuDeviceIds?: string[];
  /**
   * Fixed VRAM claim (MiB per GPU) of a GPU container that is not a llama.cpp
   * server (those are estimated by the GPU plan). 0 = monitors the GPU, allocates none.
   */
  vramMiB?: number;
  /** memorySwapMiB equals memoryMiB: no swap, so an oversized model fails fast instead of thrashing. */
  limits: { memoryMiB: number; memorySwapMiB: number; cpus: number };
  restart: "unless-stopped" | "on-failure" | "always";
  user?: string;
  /** uid:gid its process runs as (`user`, else the image's own USER): what decides its secret files' mode. */
  runsAs: string;
  /** Extra groups for `user` (e.g. the docker socket's gid). */
  groupAdd?: string[];
  capabilities?: { drop: string[]; add: string[] };
  securityOpts: string[];
  readOnlyRootfs: boolean;
  tmpfs?: Record<string, string>;
  labels: Record<string, string>;
  lifecycle: LifecycleSpec;
  logging: LoggingSpec;
}

/** The stack secrets a service reads, in env or as files, each once and sorted. */
export function secretKeysOf(spec: Pick<ServiceSpec, "secretEnv" | "files">): SecretKey[] {
  return [...new Set([...Object.values(spec.secretEnv), ...spec.files.flatMap((f) => (f.secret ? [f.secret] : []))])].sort();
}
