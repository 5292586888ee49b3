/**
 * The memory API (conversation memory over SQLite + FTS5, vectors in Qdrant)
 * and its maintainer (TTL cleanup, Qdrant sync, daily backups). Both keep their
 * data under `${dataDir}/memory` on the host, which Pulumi never deletes; the
 * host root is not mounted (the reference mounted it read-only into both).
 */
import { defineService, imageFromSource, serviceUrl, type PlanContext } from "./define-service";
import { pythonProbe } from "./health";
import { QDRANT_HTTP_PORT, QDRANT_SERVICE } from "./qdrant";
import { EMBEDDING_PORT, EMBEDDING_SERVICE } from "./rag";
import type { HealthcheckSpec, ServiceSpec } from "./service-spec";

export const MEMORY_API_SERVICE = "memory-api";
export const MEMORY_MAINTAINER_SERVICE = "memory-maintainer";
export const MEMORY_API_PORT = 8005;
export const MEMORY_DIR = "/app/memory";
export const MAINTAINER_LOG = `${MEMORY_DIR}/logs/memory_maintainer.log`;
/** The env var through which both memory services find their data dir (projects/<id>/memory.db; the backup reads it too). */
export const MEMORY_DIR_ENV = "AI_MEMORY_DIR";

export function memoryDataPath(dataDir: string): string {
  return `${dataDir}/memory`;
}

function sharedEnv(): Record<string, string> {
  return {
    [MEMORY_DIR_ENV]: MEMORY_DIR,
    QDRANT_URL: serviceUrl(QDRANT_SERVICE, QDRANT_HTTP_PORT),
    EMBEDDING_URL: serviceUrl(EMBEDDING_SERVICE, EMBEDDING_PORT),
    PYTHONUNBUFFERED: "1",
  };
}

function scriptsDir(ctx: PlanContext): string {
  const dir = ctx.config.memory.scriptsDir;
  if (!dir) throw new Error("memory.scriptsDir is required when memory.enabled (checked by the config schema)");
  return dir;
}

export function planMemoryApi(ctx: PlanContext): ServiceSpec {
  const { config } = ctx;
  const memory = config.memory;
  return defineService(ctx, {
    service: MEMORY_API_SERVICE,
    group: "memory",
    image: imageFromSource(ctx, MEMORY_API_SERVICE, memory.apiSource, "memory.apiSource"),
    env: { ...sharedEnv(), DEFAULT_PROJECT_ID: memory.defaultProjectId },
    ports: [{ internal: MEMORY_API_PORT, external: memory.hostPort, configKey: "memory.hostPort" }],
    binds: [
      { hostPath: scriptsDir(ctx), containerPath: "/app/scripts", readOnly: true },
      { hostPath: memoryDataPath(config.paths.dataDir), containerPath: MEMORY_DIR, readOnly: false },
    ],
    // 200 only when the project database opens; 503 with the error otherwise.
    healthcheck: pythonProbe(`http://127.0.0.1:${MEMORY_API_PORT}/v1/memory/health`, { startPeriodSec: 120 }),
    // No `metrics`: its /metrics answers 503 because the image lacks prometheus_client,
    // and a scrape job that is always down would keep ServiceDown firing. cAdvisor watches it instead.
    dependsOn: [QDRANT_SERVICE, EMBEDDING_SERVICE],
    limits: { memoryMiB: memory.api.memoryMiB, cpus: memory.api.cpus },
    // SQLite commits in flight finish before SIGKILL.
    stopGraceSec: 15,
    holdsData: true,
  });
}

/**
 * Healthy once the maintainer has written its log since this container started
 * (the reference only checked that the file existed, which stays true on the
 * persistent mount after the process dies).
 */
function maintainerProbe(): HealthcheckSpec {
  const code =
    `import os, sys; ` +
    `sys.exit(0 if os.path.exists('${MAINTAINER_LOG}') and os.stat('${MAINTAINER_LOG}').st_mtime >= os.stat('/proc/1').st_ctime else 1)`;
  return { test: ["CMD", "python", "-c", code], intervalSec: 60, timeoutSec: 5, retries: 3, startPeriodSec: 120, startIntervalSec: 2 };
}

export function planMemoryMaintainer(ctx: PlanContext): ServiceSpec {
  const { config } = ctx;
  const memory = config.memory;
  return defineService(ctx, {
    service: MEMORY_MAINTAINER_SERVICE,
    group: "memory",
    image: imageFromSource(ctx, MEMORY_MAINTAINER_SERVICE, memory.maintainerSource, "memory.maintainerSource"),
    command: ["python", "/app/scripts/memory_maintainer.py"],
    env: {
      ...sharedEnv(),
      MEMORY_BACKUP_CRON: memory.backupTime,
      MEMORY_SYNC_INTERVAL: String(memory.syncIntervalSec),
      TTL_CHECK_INTERVAL: String(memory.ttlCheckIntervalSec),
    },
    binds: [
      { hostPath: scriptsDir(ctx), containerPath: "/app/scripts", readOnly: true },
      { hostPath: memoryDataPath(config.paths.dataDir), containerPath: MEMORY_DIR, readOnly: false },
    ],
    healthcheck: maintainerProbe(),
    dependsOn: [QDRANT_SERVICE, EMBEDDING_SERVICE],
    limits: { memoryMiB: memory.maintainer.memoryMiB, cpus: memory.maintainer.cpus },
    // SQLite commits in flight finish before SIGKILL.
    stopGraceSec: 15,
    holdsData: true,
  });
}
