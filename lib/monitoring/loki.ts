/**
 * Loki's config for one node with filesystem storage, as typed data. Retention
 * is enforced by the compactor (the reference had none: unbounded growth).
 */
import { stringify } from "yaml";

export interface LokiSettings {
  httpPort: number;
  /** Data directory inside the container (a named volume). */
  dataDir: string;
  retentionDays: number;
}

export function buildLokiConfig(settings: LokiSettings) {
  const retention = `${settings.retentionDays * 24}h`;
  return {
    auth_enabled: false,
    server: { http_listen_port: settings.httpPort, grpc_listen_port: 9096, log_level: "warn" },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: settings.dataDir,
      storage: { filesystem: { chunks_directory: `${settings.dataDir}/chunks`, rules_directory: `${settings.dataDir}/rules` } },
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
    },
    schema_config: {
      configs: [
        { from: "2024-01-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } },
      ],
    },
    limits_config: {
      retention_period: retention,
      reject_old_samples: true,
      reject_old_samples_max_age: "168h",
      ingestion_rate_mb: 8,
      ingestion_burst_size_mb: 16,
    },
    compactor: {
      working_directory: `${settings.dataDir}/compactor`,
      retention_enabled: true,
      delete_request_store: "filesystem",
      compaction_interval: "10m",
      retention_delete_delay: "2h",
    },
    analytics: { reporting_enabled: false },
  };
}

export function renderLokiConfig(settings: LokiSettings): string {
  return stringify(buildLokiConfig(settings), { lineWidth: 0 });
}
