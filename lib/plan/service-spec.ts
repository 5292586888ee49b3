/**
 * A service as plain data: everything the component layer needs to create its
 * container, and everything tests and policies need to reason about it.
 */
import type { SecretKey } from "../config/schema";

export interface HealthcheckSpec {
  /** Docker's test form: ["CMD", ...] or ["CMD-SHELL", "..."]. */
  test: string[];
  intervalSec: number;
  timeoutSec: number;
  retries: number;
  /** Failures inside this window do not count; sized for model loads. */
  startPeriodSec: number;
  /** Probe interval inside the start period (Docker >= 25), so readiness is seen within seconds. */
  startIntervalSec: number;
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
  /** Plain-text content (stored as-is in Pulumi state); empty for a secret file. */
  content: string;
  /**
   * The file's content is this stack secret instead, filled in at deploy time and
   * kept encrypted in state (e.g. a bearer token Prometheus reads from a file).
   */
  secret?: SecretKey;
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
  | { kind: "build"; ref: string; context: string; dockerfile: string };

export type ServiceGroup = "inference" | "gateway" | "vector-store" | "rag" | "mcp" | "memory" | "monitoring";

export interface ServiceSpec {
  /** Reference service name: the DNS alias on the stack network. */
  service: string;
  /** Container name (the service name, optionally prefixed). */
  containerName: string;
  group: ServiceGroup;
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
  /** Services this one talks to; it is created only once they report healthy. */
  dependsOn: string[];
  /** GPU device ids (from `gpus[].id`) requested from the NVIDIA runtime. */
  gpuDeviceIds?: string[];
  /**
   * Fixed VRAM claim (MiB per GPU) of a GPU container that is not a llama.cpp
   * server (those are estimated by the GPU plan). 0 = monitors the GPU, allocates none.
   */
  vramMiB?: number;
  limits: { memoryMiB: number; cpus: number };
  restart: "unless-stopped" | "on-failure" | "always";
  user?: string;
  /** Extra groups for `user` (e.g. the docker socket's gid). */
  groupAdd?: string[];
  capabilities?: { drop: string[]; add: string[] };
  securityOpts: string[];
  readOnlyRootfs: boolean;
  tmpfs?: Record<string, string>;
  labels: Record<string, string>;
  /** How long `pulumi up` waits for the container to become healthy. */
  waitTimeoutSec: number;
}
