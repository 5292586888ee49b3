/**
 * The one way to declare a service. Planners describe what is particular to a
 * service; everything decided once for all of them (naming, port binding,
 * restart policy, labels, privilege defaults, how long `up` waits) is here.
 */
import * as path from "node:path";
import type { ImageSource } from "../config/fields";
import type { StackConfig } from "../config/schema";
import { waitTimeoutSec } from "./health";
import type { BindSpec, FileSpec, HealthcheckSpec, ImageSpec, MetricsSpec, ServiceGroup, ServiceSpec, VolumeSpec } from "./service-spec";

export interface PlanContext {
  config: StackConfig;
  /** Pulumi stack name (labels, volume names). */
  stack: string;
  /** Directory that relative build contexts resolve against (the Pulumi project). */
  projectDir: string;
}

export interface ServiceDraft {
  service: string;
  group: ServiceGroup;
  image: ImageSpec;
  command?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  secretEnv?: ServiceSpec["secretEnv"];
  /** Published ports; each binds to the stack's bindAddress. */
  ports?: { internal: number; external: number; configKey: string }[];
  binds?: BindSpec[];
  volumes?: VolumeSpec[];
  files?: FileSpec[];
  healthcheck: HealthcheckSpec;
  metrics?: MetricsSpec;
  dependsOn?: string[];
  gpuDeviceIds?: string[];
  vramMiB?: number;
  limits: { memoryMiB: number; cpus: number };
  user?: string;
  groupAdd?: string[];
  capabilities?: { drop: string[]; add: string[] };
  readOnlyRootfs?: boolean;
  tmpfs?: Record<string, string>;
}

export const LABEL_PREFIX = "local-ai-suite";
/** The container label naming a suite service (its DNS alias); Docker copies it into log lines, cAdvisor into metrics, policies read it. */
export const SERVICE_LABEL = `${LABEL_PREFIX}.service`;
/** The label naming the Pulumi stack, on every container, network and volume (how the ops tasks find the stack's containers). */
export const STACK_LABEL = `${LABEL_PREFIX}.stack`;

export function defineService(ctx: PlanContext, draft: ServiceDraft): ServiceSpec {
  const { config } = ctx;
  return {
    service: draft.service,
    containerName: containerNameOf(config, draft.service),
    group: draft.group,
    image: draft.image,
    command: draft.command,
    entrypoint: draft.entrypoint,
    env: draft.env ?? {},
    secretEnv: draft.secretEnv ?? {},
    ports: (draft.ports ?? []).map((p) => ({ ...p, ip: config.bindAddress })),
    binds: draft.binds ?? [],
    volumes: draft.volumes ?? [],
    files: draft.files ?? [],
    healthcheck: draft.healthcheck,
    metrics: draft.metrics,
    dependsOn: draft.dependsOn ?? [],
    gpuDeviceIds: draft.gpuDeviceIds,
    vramMiB: draft.vramMiB,
    limits: draft.limits,
    // Docker restarts on exit only (never on "unhealthy"); unless-stopped keeps a
    // deliberate `docker stop` in force across daemon restarts.
    restart: "unless-stopped",
    user: draft.user,
    groupAdd: draft.groupAdd,
    capabilities: draft.capabilities,
    securityOpts: ["no-new-privileges:true"],
    readOnlyRootfs: draft.readOnlyRootfs ?? false,
    tmpfs: draft.tmpfs,
    labels: {
      [STACK_LABEL]: ctx.stack,
      [SERVICE_LABEL]: draft.service,
      [`${LABEL_PREFIX}.phase`]: config.phase,
      [`${LABEL_PREFIX}.group`]: draft.group,
    },
    waitTimeoutSec: waitTimeoutSec(draft.healthcheck),
  };
}

/** Registry image or local build, from a service's `source` config. */
export function imageFromSource(ctx: PlanContext, service: string, source: ImageSource): ImageSpec {
  if (source.image) return { kind: "registry", ref: source.image };
  const build = source.build!;
  return {
    kind: "build",
    ref: `${LABEL_PREFIX}/${service}:${build.tag}`,
    context: path.resolve(ctx.projectDir, build.context),
    dockerfile: build.dockerfile,
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
