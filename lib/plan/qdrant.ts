/** Qdrant, the vector store: data on host paths under dataDir, which Pulumi never deletes. */
import { parse as parseYaml } from "yaml";
import { defineService, type PlanContext } from "./define-service";
import { bashHttpProbe } from "./health";
import { SECRET_PLACEHOLDER, type FileSpec, type ServiceSpec } from "./service-spec";

export const QDRANT_SERVICE = "qdrant";
export const QDRANT_HTTP_PORT = 6333;
export const QDRANT_GRPC_PORT = 6334;
/** Qdrant's own env var for the API key it requires; the plan ships the key in QDRANT_KEY_FILE instead (env shows in docker inspect). */
export const QDRANT_API_KEY_ENV = "QDRANT__SERVICE__API_KEY";
/** Qdrant's env var for a key that may only read (search, list, metrics); the plan uses QDRANT_READ_ONLY_KEY_FILE. */
export const QDRANT_READ_ONLY_KEY_ENV = "QDRANT__SERVICE__READ_ONLY_API_KEY";
/**
 * Qdrant merges config/local.yaml over its defaults (v1.16.3): the API key goes there, RAG's and the
 * backup's key. The read-only key (Prometheus') goes into the file `--config-path` names, merged the same way.
 */
export const QDRANT_KEY_FILE: FileSpec = {
  path: "/qdrant/config/local.yaml",
  content: `service:\n  api_key: ${SECRET_PLACEHOLDER}\n`,
  secret: "qdrantApiKey",
};
export const QDRANT_READ_ONLY_KEY_FILE: FileSpec = {
  path: "/qdrant/config/read-only-key.yaml",
  content: `service:\n  read_only_api_key: ${SECRET_PLACEHOLDER}\n`,
  secret: "qdrantReadOnlyKey",
};
/**
 * The server binary itself as PID 1. The image's CMD, ./entrypoint.sh (v1.16.3),
 * is a bash wrapper whose SIGTERM trap forwards the signal and then exits at
 * once (its `wait` returns 143), so the kernel kills Qdrant mid-shutdown whatever
 * the stop grace: the real image exited 143 within 0.14 s of `docker stop -t 30`.
 * The wrapper's only other job, recovery mode after an OOM kill, is opt-in
 * (QDRANT_ALLOW_RECOVERY_MODE) and off here.
 */
export const QDRANT_ENTRYPOINT = ["/qdrant/qdrant"];

/** A key in a Qdrant config file as the plan writes them (QDRANT_KEY_FILE: api_key, the read-only file: read_only_api_key). */
export function qdrantKeyInConfig(text: string | undefined, field: "api_key" | "read_only_api_key" = "api_key"): string | undefined {
  if (!text) return undefined;
  try {
    const key = (parseYaml(text) as { service?: Record<string, unknown> } | null)?.service?.[field];
    return typeof key === "string" && key ? key : undefined;
  } catch {
    return undefined;
  }
}

export function qdrantStoragePath(dataDir: string): string {
  return `${dataDir}/vectors/qdrant`;
}

export function qdrantSnapshotsPath(dataDir: string): string {
  return `${dataDir}/vectors/qdrant-snapshots`;
}

export function planQdrant(ctx: PlanContext, hasApiKey: boolean): ServiceSpec {
  const { config } = ctx;
  return defineService(ctx, {
    service: QDRANT_SERVICE,
    group: "vector-store",
    image: { kind: "registry", ref: config.qdrant.image },
    entrypoint: QDRANT_ENTRYPOINT,
    ...(hasApiKey ? { command: ["--config-path", QDRANT_READ_ONLY_KEY_FILE.path] } : {}),
    // CORS off: Qdrant answers any Origin by default, so a web page open on this machine could read or
    // delete every vector through the loopback port. Nothing of ours calls Qdrant from a browser.
    env: { QDRANT__TELEMETRY_DISABLED: "true", QDRANT__SERVICE__ENABLE_CORS: "false" },
    // Each caller gets only the key it needs: RAG (and the backup) the key, Prometheus the read-only one.
    // Both in config files, not env: docker inspect shows env to anyone with Docker access.
    files: hasApiKey ? [QDRANT_KEY_FILE, QDRANT_READ_ONLY_KEY_FILE] : [],
    ports: [
      { internal: QDRANT_HTTP_PORT, external: config.qdrant.httpPort, configKey: "qdrant.httpPort" },
      { internal: QDRANT_GRPC_PORT, external: config.qdrant.grpcPort, configKey: "qdrant.grpcPort" },
    ],
    binds: [
      { hostPath: qdrantStoragePath(config.paths.dataDir), containerPath: "/qdrant/storage", readOnly: false },
      { hostPath: qdrantSnapshotsPath(config.paths.dataDir), containerPath: "/qdrant/snapshots", readOnly: false },
    ],
    // The image has bash but no curl or wget; /readyz is exempt from the API key.
    healthcheck: bashHttpProbe(QDRANT_HTTP_PORT, "/readyz", { startPeriodSec: 120 }),
    metrics: { port: QDRANT_HTTP_PORT, path: "/metrics", bearerSecret: hasApiKey ? "qdrantReadOnlyKey" : undefined },
    limits: { memoryMiB: config.qdrant.memoryMiB, cpus: config.qdrant.cpus },
    // Qdrant flushes its WAL and segments on SIGTERM; a SIGKILL mid-flush costs a recovery on start.
    // Its HTTP server (actix-web) first keeps serving busy keep-alive connections for up to its 30 s
    // shutdown timeout: under steady RAG traffic v1.16.3 exited 0 after 30.5 s, so 30 s here would
    // SIGKILL it in the middle. 45 s leaves the flush its room.
    stopGraceSec: 45,
    holdsData: true,
  });
}
