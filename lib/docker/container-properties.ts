/**
 * A ServiceSpec as the docker provider's Container properties (plain data),
 * and what the provider does when they change. The Service component hands
 * the provider exactly these plain properties, plus the four it can only know
 * at deploy time (the image id, secret env values, volume and network names);
 * the review compares them to say what `up` does to each container.
 */
import { goSeconds } from "../durations";
import type { FileSpec, ServiceSpec } from "../plan/service-spec";
import { dockerCpus } from "./read-back";

/** Docker reads capabilities back as CAP_XXX; any other spelling replaces the container on every up. */
export function canonicalCapability(name: string): string {
  const upper = name.toUpperCase();
  return upper === "ALL" || upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
}

/** Durations in Go's canonical form (what Docker reads back); startInterval only when the plan kept it. */
function containerHealthcheck(h: ServiceSpec["healthcheck"]) {
  return {
    tests: h.test,
    interval: goSeconds(h.intervalSec),
    timeout: goSeconds(h.timeoutSec),
    retries: h.retries,
    startPeriod: goSeconds(h.startPeriodSec),
    ...(h.startIntervalSec !== undefined ? { startInterval: goSeconds(h.startIntervalSec) } : {}),
  };
}

/** The name containerNetworks gives the stack network (private networks go by the plan's names). */
export const STACK_NETWORK = "stack";

/** The networks the container joins, by the plan's names, each with the service name as its alias there. */
export function containerNetworks(
  spec: Pick<ServiceSpec, "service" | "stackNetwork" | "privateNetworks">,
): { network: string; aliases: string[] }[] {
  const networks = [...(spec.stackNetwork === false ? [] : [STACK_NETWORK]), ...(spec.privateNetworks ?? [])];
  return networks.map((network) => ({ network, aliases: [spec.service] }));
}

/**
 * An uploaded file's mode. Docker provider 5.2.0 uploads every file as root:root (its schema has no
 * owner or group), so a secret file is as private as its service's user allows: 0600 where the service
 * runs as root, 0640 where it runs in group root (Grafana), else 0644 (inside a container whose only
 * user is the service's). Any other file: 0644.
 */
export function fileModeOf(spec: Partial<Pick<ServiceSpec, "runsAs">>, file: FileSpec): { permissions: string } {
  // No runsAs: a spec planned by a program from before it (the review plans older commits), which shipped 0644.
  if (!file.secret || spec.runsAs === undefined) return { permissions: "0644" };
  const [uid, gid = uid] = spec.runsAs.split(":");
  return { permissions: uid === "0" ? "0600" : gid === "0" ? "0640" : "0644" };
}

/** Every Container property the spec decides alone, under the provider's names. */
export function plainContainerProperties(spec: ServiceSpec) {
  const { lifecycle, logging } = spec;
  return {
    name: spec.containerName,
    command: spec.command,
    entrypoints: spec.entrypoint,
    ports: spec.ports.map((p) => ({ internal: p.internal, external: p.external, ip: p.ip, protocol: "tcp" })),
    volumes: spec.binds.map((b) => ({ hostPath: b.hostPath, containerPath: b.containerPath, readOnly: b.readOnly })),
    healthcheck: containerHealthcheck(spec.healthcheck),
    wait: lifecycle.waitForHealthy,
    waitTimeout: lifecycle.waitTimeoutSec,
    // SIGTERM, then this long before SIGKILL: on destroy and replace (destroyGraceSeconds),
    // and on a plain `docker stop` or daemon shutdown (stopTimeout).
    destroyGraceSeconds: lifecycle.stopGraceSec,
    stopTimeout: lifecycle.stopGraceSec,
    deviceRequests: spec.gpuDeviceIds ? [{ driver: "nvidia", deviceIds: spec.gpuDeviceIds, capabilities: ["gpu"] }] : undefined,
    restart: spec.restart,
    memory: spec.limits.memoryMiB,
    memorySwap: spec.limits.memorySwapMiB,
    cpus: dockerCpus(spec.limits.cpus),
    user: spec.user,
    groupAdds: spec.groupAdd,
    capabilities: spec.capabilities
      ? { drops: spec.capabilities.drop.map(canonicalCapability), adds: spec.capabilities.add.map(canonicalCapability) }
      : undefined,
    securityOpts: spec.securityOpts,
    readOnly: spec.readOnlyRootfs,
    tmpfs: spec.tmpfs,
    labels: Object.entries(spec.labels).map(([label, value]) => ({ label, value })),
    logDriver: logging.driver,
    logOpts: { "max-size": `${logging.maxSizeMiB}m`, "max-file": String(logging.maxFiles), labels: logging.labels.join(",") },
  };
}

/**
 * The properties docker provider v5.2.0 changes on a running container
 * (`docker update`: memory, swap, restart policy) or in its state alone
 * (the wait and the destroy grace): an `update` step, no restart. A change to
 * any other property replaces the container. Measured with `pulumi preview
 * --json` against a deployed container, and held to the engine by
 * test/deploy/review-prediction.ts. The provider would update `healthcheck`
 * and `tmpfs` too, but in its state only, never on the container: those are
 * REPLACE_ON_CHANGES.
 */
export const UPDATED_IN_PLACE: ReadonlySet<string> = new Set([
  "memory",
  "memorySwap",
  "restart",
  "wait",
  "waitTimeout",
  "destroyGraceSeconds",
]);

/** Every container's `replaceOnChanges`: what the provider would otherwise leave stale on a running container. */
export const REPLACE_ON_CHANGES = ["healthcheck", "tmpfs"];
