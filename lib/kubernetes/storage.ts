/**
 * Where each mount of a service comes from on Kubernetes:
 * - host directories under `paths.dataDir` (what the stack stores: Qdrant's
 *   collections, the memory databases, the MCP security database, RAG's
 *   documents) and the named volumes (monitoring's stores) become
 *   PersistentVolumeClaims, one per directory or volume, shared by every
 *   service that mounts it, and never deleted by a destroy;
 * - every other host directory (paths.modelsDir, mcp.workspaceDir,
 *   memory.scriptsDir, the exporters' /proc and /sys) stays a hostPath on the
 *   node the pod is pinned to (placement.ts): those are files that live on that
 *   machine (multi-GB GGUFs read at model load, a git checkout), which a
 *   claim would need copying into, and reading the models from local disk keeps
 *   the load inside the startup probe's budget.
 */
import * as path from "node:path";
import type { StackConfig } from "../config/schema";
import type { ServiceSpec } from "../plan/service-spec";
import { slug } from "./labels";

export type MountSource =
  | { kind: "claim"; claim: string }
  | { kind: "hostPath"; path: string; type: "Directory" | "Socket" }
  | { kind: "tmpfs"; sizeLimit?: string };

export interface MountPlan {
  /** Volume name inside the pod. */
  volume: string;
  source: MountSource;
  containerPath: string;
  readOnly: boolean;
}

export interface ClaimPlan {
  /** PersistentVolumeClaim name (containerPrefix + derived name). */
  name: string;
  sizeGiB: number;
  storageClass?: string;
  /** What it replaces on the Docker target: the host directory or the named volume. */
  dockerSource: string;
  /** Services that mount it, in start order; more than one must share a node (ReadWriteOnce). */
  users: string[];
  /** Some user writes to it. */
  written: boolean;
}

const SOCKET = /\.sock$/;

/** The claim name of a host directory under dataDir ("data-vectors-qdrant"), without the prefix. */
export function dataClaimName(dataDir: string, hostPath: string): string | undefined {
  const relative = path.posix.relative(path.posix.normalize(dataDir), path.posix.normalize(hostPath));
  if (relative.startsWith("..") || path.posix.isAbsolute(relative)) return undefined;
  return relative === "" ? "data" : `data-${slug(relative)}`;
}

/** Docker tmpfs options ("rw,size=64m") to an emptyDir size limit. */
function tmpfsSize(options: string): string | undefined {
  const size = /(?:^|,)size=(\d+)([kmg]?)(?:,|$)/i.exec(options);
  if (!size) return undefined;
  const unit = { "": "", k: "Ki", m: "Mi", g: "Gi" }[size[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  return `${size[1]}${unit}`;
}

/** Each mount of `spec`, with the claim or host path behind it. */
export function mountsOf(spec: ServiceSpec, config: StackConfig): MountPlan[] {
  const prefix = config.containerPrefix;
  let hostIndex = 0;
  const mounts: MountPlan[] = [];
  for (const bind of spec.binds) {
    const claim = dataClaimName(config.paths.dataDir, bind.hostPath);
    if (claim) {
      mounts.push({ volume: claim, source: { kind: "claim", claim: `${prefix}${claim}` }, containerPath: bind.containerPath, readOnly: bind.readOnly });
    } else {
      mounts.push({
        volume: `host-${hostIndex++}`,
        source: { kind: "hostPath", path: bind.hostPath, type: SOCKET.test(bind.hostPath) ? "Socket" : "Directory" },
        containerPath: bind.containerPath,
        readOnly: bind.readOnly,
      });
    }
  }
  for (const v of spec.volumes) {
    mounts.push({ volume: slug(v.volume), source: { kind: "claim", claim: `${prefix}${v.volume}` }, containerPath: v.containerPath, readOnly: v.readOnly });
  }
  Object.entries(spec.tmpfs ?? {}).forEach(([containerPath, options], i) => {
    const sizeLimit = tmpfsSize(options);
    mounts.push({ volume: `tmpfs-${i}`, source: { kind: "tmpfs", ...(sizeLimit ? { sizeLimit } : {}) }, containerPath, readOnly: false });
  });
  return mounts;
}

/** Every claim of the stack, with its users and size (kubernetes.volumeGiB by name, else defaultVolumeGiB). */
export function claimsOf(services: readonly ServiceSpec[], config: StackConfig): ClaimPlan[] {
  const claims = new Map<string, ClaimPlan>();
  const { kubernetes } = config;
  for (const spec of services) {
    const sources = [
      ...spec.binds.map((b) => ({ name: dataClaimName(config.paths.dataDir, b.hostPath), dockerSource: b.hostPath, readOnly: b.readOnly })),
      ...spec.volumes.map((v) => ({ name: v.volume, dockerSource: `volume ${v.volume}`, readOnly: v.readOnly })),
    ];
    for (const source of sources) {
      if (!source.name) continue;
      const name = `${config.containerPrefix}${source.name}`;
      const claim = claims.get(name) ?? {
        name,
        sizeGiB: kubernetes.volumeGiB[source.name] ?? kubernetes.volumeGiB[name] ?? kubernetes.defaultVolumeGiB,
        ...(kubernetes.storageClass ? { storageClass: kubernetes.storageClass } : {}),
        dockerSource: source.dockerSource,
        users: [],
        written: false,
      };
      if (!claim.users.includes(spec.service)) claim.users.push(spec.service);
      claim.written ||= !source.readOnly;
      claims.set(name, claim);
    }
  }
  return [...claims.values()];
}

/** Host paths a service mounts (not claims): the reason its pod is pinned to a node. */
export function hostPathsOf(mounts: readonly MountPlan[]): string[] {
  return mounts.flatMap((m) => (m.source.kind === "hostPath" ? [m.source.path] : []));
}

/**
 * Non-root users the images run as, for the pod's fsGroup: Docker initialises a
 * new named volume with the image directory's owner, a fresh claim is root's.
 * From each image's Dockerfile USER (and the projects' own Helm charts' fsGroup).
 */
export const IMAGE_FS_GROUP: Record<string, number> = {
  prometheus: 65534, // prom/prometheus: USER nobody
  alertmanager: 65534, // prom/alertmanager: USER nobody
  grafana: 472, // grafana/grafana: USER 472 (the Grafana chart's fsGroup)
  loki: 10001, // grafana/loki: USER 10001 (the Loki chart's fsGroup)
};
