/**
 * The one way to declare a service. Planners describe what is particular to a
 * service; everything decided once for all of them (naming, port binding,
 * restart policy, labels, privilege defaults, how long `up` waits) is here.
 */
import * as path from "node:path";
import type { ImageSource } from "../config/fields";
import type { StackConfig } from "../config/schema";
import { REPLACE_ON_CHANGES } from "../docker/container-properties";
import { engineFeatures, OLDEST_ENGINE_API, type EngineFeatures } from "../docker/engine-api";
import { createTimeoutSec, waitTimeoutSec } from "./health";
import type { ImageSpec, PortSpec, ServiceSpec } from "./service-spec";

export interface PlanContext {
  config: StackConfig;
  /** Pulumi stack name (labels, volume names). */
  stack: string;
  /** Directory that relative build contexts resolve against (the Pulumi project). */
  projectDir: string;
  /** What the Docker Engine the stack deploys to accepts. */
  engine: EngineFeatures;
}

export interface PlanContextOptions {
  stack: string;
  projectDir: string;
  /**
   * The API version of the daemon the program talks to, when it asked (the
   * program does; tests and ops tasks need not). Used only when the stack's
   * docker.engineApiVersion is "auto"; unknown means the oldest supported engine.
   */
  detectedEngineApiVersion?: string;
}

export function planContext(config: StackConfig, options: PlanContextOptions): PlanContext {
  const pinned = config.docker.engineApiVersion;
  const apiVersion = pinned !== "auto" ? pinned : (options.detectedEngineApiVersion ?? OLDEST_ENGINE_API);
  return { config, stack: options.stack, projectDir: options.projectDir, engine: engineFeatures(apiVersion) };
}

/** What a planner says about its service; defineService decides everything else. */
export type ServiceDraft = Pick<ServiceSpec, "service" | "group" | "image" | "healthcheck"> &
  Partial<
    Pick<
      ServiceSpec,
      | "command"
      | "entrypoint"
      | "env"
      | "secretEnv"
      | "binds"
      | "volumes"
      | "files"
      | "metrics"
      | "dependsOn"
      | "sendsKeys"
      | "gpuDeviceIds"
      | "vramMiB"
      | "user"
      | "groupAdd"
      | "capabilities"
      | "readOnlyRootfs"
      | "tmpfs"
      | "privateNetworks"
      | "stackNetwork"
    >
  > & {
    /** Published ports; each binds to the stack's bindAddress. */
    ports?: Omit<PortSpec, "ip">[];
    limits: { memoryMiB: number; cpus: number };
    /** Seconds the service needs to exit cleanly after SIGTERM (flush, finish a request); default DEFAULT_STOP_GRACE_SEC. */
    stopGraceSec?: number;
    /** Default true: the healer restarts it when it turns unhealthy. */
    restartWhenUnhealthy?: boolean;
    /** Stop grace when the healer restarts it for being unhealthy; default stopGraceSec. Shorter where an unhealthy process cannot exit cleanly anyway. */
    healStopGraceSec?: number;
    /** It keeps data a change could lose (vectors, databases): `up` backs it up before changing the container. */
    holdsData?: boolean;
    /** The uid:gid the image's process runs as when `user` is unset (its Dockerfile's USER); default root, "0:0". */
    imageUser?: string;
  };

export const LABEL_PREFIX = "local-ai-suite";
/** The container label naming a suite service (its DNS alias); Docker copies it into log lines, cAdvisor into metrics, policies read it. */
export const SERVICE_LABEL = `${LABEL_PREFIX}.service`;
/** The label naming the Pulumi stack, on every container, network and volume (how the ops tasks find the stack's containers). */
export const STACK_LABEL = `${LABEL_PREFIX}.stack`;
/** The VRAM in MiB a GPU container that the VRAM model does not estimate holds on each GPU it requests. */
export const VRAM_MIB_LABEL = `${LABEL_PREFIX}.vram-mib`;
/** "true" on a container the healer restarts when it turns unhealthy. */
export const AUTOHEAL_LABEL = `${LABEL_PREFIX}.autoheal`;
/** Seconds between SIGTERM and SIGKILL when the container is stopped (the healer restarts with it). */
export const STOP_GRACE_LABEL = `${LABEL_PREFIX}.stop-grace-sec`;
/** Seconds between SIGTERM and SIGKILL when the healer restarts it for being unhealthy (default: STOP_GRACE_LABEL's). */
export const HEAL_STOP_GRACE_LABEL = `${LABEL_PREFIX}.heal-stop-grace-sec`;
/** The `node` user of the official Node image, which this repository's services run as (USER node). */
export const NODE_IMAGE_USER = "1000:1000";
/** Docker's own stop timeout, which most services need; data stores ask for more. */
export const DEFAULT_STOP_GRACE_SEC = 10;

export function defineService(ctx: PlanContext, draft: ServiceDraft): ServiceSpec {
  const { config } = ctx;
  const {
    stopGraceSec = DEFAULT_STOP_GRACE_SEC,
    restartWhenUnhealthy = true,
    healStopGraceSec,
    holdsData = false,
    imageUser = "0:0",
    ports = [],
    limits,
    ...given
  } = draft;
  const healthcheck = { ...draft.healthcheck };
  // An engine before API 1.44 refuses start_interval outright (the provider's client checks).
  if (!ctx.engine.healthcheckStartInterval) delete healthcheck.startIntervalSec;
  return {
    env: {},
    secretEnv: {},
    binds: [],
    volumes: [],
    files: [],
    dependsOn: [],
    sendsKeys: [],
    readOnlyRootfs: false,
    ...given,
    healthcheck,
    containerName: containerNameOf(config, draft.service),
    runsAs: given.user ?? imageUser,
    ports: ports.map((p) => ({ ...p, ip: config.bindAddress })),
    limits: { ...limits, memorySwapMiB: limits.memoryMiB },
    // Docker restarts on exit only (never on "unhealthy"); unless-stopped keeps a
    // deliberate `docker stop` in force across daemon restarts.
    restart: "unless-stopped",
    securityOpts: ["no-new-privileges:true"],
    labels: {
      [STACK_LABEL]: ctx.stack,
      [SERVICE_LABEL]: draft.service,
      [`${LABEL_PREFIX}.phase`]: config.phase,
      [`${LABEL_PREFIX}.group`]: draft.group,
      // A GPU container whose VRAM the VRAM model does not estimate states it; the policy pack reads it.
      ...(draft.vramMiB !== undefined ? { [VRAM_MIB_LABEL]: String(draft.vramMiB) } : {}),
      // What the healer reads: whether to restart it when unhealthy, and how long its stop may take.
      [AUTOHEAL_LABEL]: String(restartWhenUnhealthy),
      [STOP_GRACE_LABEL]: String(stopGraceSec),
      ...(healStopGraceSec !== undefined ? { [HEAL_STOP_GRACE_LABEL]: String(healStopGraceSec) } : {}),
    },
    lifecycle: {
      waitForHealthy: true,
      waitTimeoutSec: waitTimeoutSec(healthcheck),
      createTimeoutSec: createTimeoutSec(healthcheck),
      stopGraceSec,
      deleteBeforeReplace: true,
      replaceOnChanges: REPLACE_ON_CHANGES,
      keepImage: true,
      restartWhenUnhealthy,
      backupBeforeChange: holdsData && config.backup.beforeChange,
    },
    // Capped json-file logs; the service label goes into every line's attrs so the log
    // shipper can name the service from the log file alone (no Docker socket needed).
    logging: { driver: "json-file", maxSizeMiB: 50, maxFiles: 3, labels: [SERVICE_LABEL] },
  };
}

/** Registry image or local build, from a service's `source` config. */
export function imageFromSource(ctx: PlanContext, service: string, source: ImageSource, configKey: string): ImageSpec {
  if (source.image) return { kind: "registry", ref: source.image };
  const build = source.build!;
  return {
    kind: "build",
    ref: `${LABEL_PREFIX}/${service}:${build.tag}`,
    context: path.resolve(ctx.projectDir, build.context),
    dockerfile: build.dockerfile,
    ...(build.args ? { args: build.args } : {}),
    configKey,
  };
}

/** The container name of a service: its name with the stack's containerPrefix. */
export function containerNameOf(config: StackConfig, service: string): string {
  return `${config.containerPrefix}${service}`;
}

/** The host address clients on this machine reach published ports at: bindAddress, or loopback when it binds every interface. */
export function publishedHost(config: StackConfig): string {
  return config.bindAddress === "0.0.0.0" ? "127.0.0.1" : config.bindAddress;
}

/** In-network URL of a service (its DNS alias on the stack network). */
export function serviceUrl(service: string, port: number, pathname = ""): string {
  return `http://${service}:${port}${pathname}`;
}
