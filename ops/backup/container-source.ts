/**
 * What a backup reads from a running container (`docker inspect`), rather than
 * from the plan: before `up` changes a container, the data to protect is where
 * the *old* container keeps it, and the new plan may have moved ports, paths or
 * keys. Pure: the caller runs `docker inspect` (and reads Qdrant's config file).
 */
import { SERVICE_LABEL, STACK_LABEL, LABEL_PREFIX } from "../../lib/plan/define-service";
import { QDRANT_API_KEY_ENV, QDRANT_HTTP_PORT, QDRANT_SERVICE, qdrantKeyInConfig } from "../../lib/plan/qdrant";
import type { QdrantTarget } from "./qdrant-snapshots";
import type { BackupSource } from "./run-backup";

/** The parts of `docker inspect <container>` read here. */
export interface ContainerInspect {
  Name?: string;
  State?: { Running?: boolean; Status?: string };
  Config?: { Env?: string[] | null; Labels?: Record<string, string> | null };
  Mounts?: { Type?: string; Source?: string; Destination?: string; RW?: boolean }[] | null;
  NetworkSettings?: {
    Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
    Networks?: Record<string, { IPAddress?: string }> | null;
  };
}

export interface ContainerBackup {
  source: BackupSource;
  service: string;
  running: boolean;
  /** Where the old container's Qdrant answers, with its own API key: only for the Qdrant container. */
  qdrant?: QdrantTarget;
}

/**
 * `qdrantConfig`: Qdrant's config file with its key (QDRANT_KEY_FILE), read from the container by the caller;
 * a container from before the key moved there has it in env instead.
 */
export function containerBackup(inspect: ContainerInspect, expectedStack: string, qdrantConfig?: string): ContainerBackup {
  const name = (inspect.Name ?? "").replace(/^\//, "") || "the container";
  const labels = inspect.Config?.Labels ?? {};
  const stack = labels[STACK_LABEL];
  const service = labels[SERVICE_LABEL];
  if (stack !== expectedStack || !service) {
    throw new Error(
      `${name} is not a service of stack ${expectedStack} (its labels say stack ${stack ?? "none"}, service ${service ?? "none"}); nothing backed up`,
    );
  }
  const env = Object.fromEntries(
    (inspect.Config?.Env ?? []).map((entry) => {
      const at = entry.indexOf("=");
      return at < 0 ? [entry, ""] : [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
  const binds = (inspect.Mounts ?? [])
    .filter((m) => m.Type === "bind" && m.Source && m.Destination)
    .map((m) => ({ hostPath: m.Source!, containerPath: m.Destination!, readOnly: m.RW === false }));
  const running = inspect.State?.Running === true;
  return {
    source: { stack, phase: labels[`${LABEL_PREFIX}.phase`] ?? "unknown", services: [{ service, env, binds }] },
    service,
    running,
    ...(service === QDRANT_SERVICE
      ? { qdrant: { url: qdrantUrlOf(inspect, name), apiKey: qdrantKeyInConfig(qdrantConfig) ?? (env[QDRANT_API_KEY_ENV] || undefined) } }
      : {}),
  };
}

/** The host address of the container's REST port, else its address on a stack network (reachable from a Linux host). */
function qdrantUrlOf(inspect: ContainerInspect, name: string): string {
  const published = inspect.NetworkSettings?.Ports?.[`${QDRANT_HTTP_PORT}/tcp`]?.find((p) => p.HostPort);
  if (published) {
    const ip = !published.HostIp || published.HostIp === "0.0.0.0" ? "127.0.0.1" : published.HostIp === "::" ? "[::1]" : published.HostIp;
    return `http://${ip}:${published.HostPort}`;
  }
  const address = Object.values(inspect.NetworkSettings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
  if (!address)
    throw new Error(
      `${name} publishes no port ${QDRANT_HTTP_PORT} and has no network address: Qdrant cannot be reached to take a snapshot`,
    );
  return `http://${address}:${QDRANT_HTTP_PORT}`;
}
