/** Config section for the monitoring stack (Prometheus, Alertmanager, Grafana, Loki, Alloy, exporters). */
import { z } from "zod";
import { absolutePath, limits, pinnedImage, port } from "./fields";

/**
 * Pinned monitoring images. Each tag was confirmed in public material (release
 * notes, issues, or other projects' pinned manifests with digests) before pinning.
 */
export const MONITORING_IMAGES = {
  /** 3.13 is an LTS line (supported to 2027-07). */
  prometheus: "prom/prometheus:v3.13.2",
  alertmanager: "prom/alertmanager:v0.28.1",
  nodeExporter: "prom/node-exporter:v1.9.1",
  grafana: "grafana/grafana:12.4.0",
  loki: "grafana/loki:3.7.6",
  /** Replaces Promtail (end of life 2026-03-02). */
  alloy: "grafana/alloy:v1.19.2",
  /** From v0.54.0 cAdvisor publishes to ghcr.io/google/cadvisor (gcr.io holds older tags only). */
  cadvisor: "ghcr.io/google/cadvisor:v0.57.0",
  /** Ubuntu variant: it has bash for the healthcheck (no curl or wget). */
  dcgmExporter: "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04",
} as const;

const fraction = z.number().gt(0).max(1);

export const monitoringSection = z
  .strictObject({
    enabled: z.boolean().default(false).meta({
      description:
        "The monitoring stack. On by default in phase p3 (an explicit false turns it off); off in p2, where it cannot be turned on.",
      defaultText: "p3: on, p2: off",
    }),
    scrapeIntervalSec: z.int().min(5).max(300).default(15).describe("Prometheus scrape interval, seconds."),
    dockerDataRoot: absolutePath
      .default("/var/lib/docker")
      .describe("Docker's data root on the host; Alloy tails `<root>/containers` and cAdvisor reads it (both read-only)."),
    prometheus: z
      .strictObject({
        image: pinnedImage.default(MONITORING_IMAGES.prometheus),
        hostPort: port.default(9090),
        retentionDays: z
          .int()
          .min(1)
          .max(3650)
          .default(15)
          .describe("Retention in days and in GiB: whichever limit is reached first drops the oldest blocks."),
        retentionSizeGiB: z
          .int()
          .min(1)
          .max(10_000)
          .default(10)
          .describe("Retention in days and in GiB: whichever limit is reached first drops the oldest blocks."),
        ...limits(1024, 1),
      })
      .prefault({})
      .meta({ description: "Prometheus (metrics, alert rules).", defaultText: "port 9090" }),
    alertmanager: z
      .strictObject({
        image: pinnedImage.default(MONITORING_IMAGES.alertmanager),
        hostPort: port.default(9093),
        webhookUrl: z
          .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
          .optional()
          .describe("Where alerts go; unset means a no-op receiver (alerts show in the UI only). Stored in plain config: no tokens."),
        ...limits(256, 0.5),
      })
      .prefault({})
      .meta({ description: "Alertmanager.", defaultText: "port 9093" }),
    grafana: z
      .strictObject({
        image: pinnedImage.default(MONITORING_IMAGES.grafana),
        hostPort: port.default(3001),
        adminUser: z
          .string()
          .regex(/^[A-Za-z0-9._-]+$/)
          .default("admin")
          .describe("Grafana's admin login (its password is the secret grafanaAdminPassword)."),
        ...limits(512, 1),
      })
      .prefault({})
      .meta({ description: "Grafana (provisioned data sources and dashboards).", defaultText: "port 3001" }),
    loki: z
      .strictObject({
        image: pinnedImage.default(MONITORING_IMAGES.loki),
        hostPort: port.default(3100),
        retentionDays: z
          .int()
          .min(1)
          .max(3650)
          .default(7)
          .describe("Loki deletes logs older than this (compactor retention; whole days, the index period)."),
        ...limits(1024, 1),
      })
      .prefault({})
      .meta({ description: "Loki (container logs).", defaultText: "port 3100" }),
    alloy: z
      .strictObject({ image: pinnedImage.default(MONITORING_IMAGES.alloy), ...limits(256, 0.5) })
      .prefault({})
      .describe("Grafana Alloy, which ships container logs to Loki (replaces Promtail)."),
    nodeExporter: z
      .strictObject({ image: pinnedImage.default(MONITORING_IMAGES.nodeExporter), ...limits(128, 0.5) })
      .prefault({})
      .describe("node-exporter (host metrics)."),
    cadvisor: z
      .strictObject({
        image: pinnedImage.default(MONITORING_IMAGES.cadvisor),
        dockerSocket: z
          .boolean()
          .default(false)
          .describe(
            "Mount /var/run/docker.sock so container metrics carry container names (and the restart and container-missing alerts can be written). " +
              "Off by default: the socket is the whole Docker API (`:ro` limits nothing), root on the host, and cAdvisor would hold it on the stack network; " +
              "turning it on also needs the socket allowlisted for cadvisor, with a reason, under container-host-mounts in the policy config. Off: metrics by cgroup id.",
          ),
        ...limits(256, 0.5),
      })
      .prefault({})
      .describe("cAdvisor (container metrics)."),
    dcgmExporter: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe("Needs the NVIDIA runtime; turn off where DCGM cannot run (the GPU-memory alerts go with it)."),
        image: pinnedImage.default(MONITORING_IMAGES.dcgmExporter),
        ...limits(512, 0.5),
      })
      .prefault({})
      .describe("NVIDIA's DCGM exporter (GPU metrics)."),
    alerts: z
      .strictObject({
        gpuMemoryBudgetFraction: fraction
          .default(0.95)
          .describe("GPU memory alert fires above this fraction of each GPU's budget (totalMiB - reserveMiB)."),
        diskFreeFraction: fraction.default(0.1).describe("Disk alert fires when a filesystem has less than this fraction free."),
        httpErrorRatio: fraction.default(0.05).describe("Share of 5xx responses (per service) that counts as a high error rate."),
        httpP95LatencySec: z
          .number()
          .positive()
          .default(30)
          .describe("p95 request latency of the HTTP services (RAG, embedding, MCP) before alerting, in seconds."),
        inferenceMinTokensPerSec: z
          .number()
          .positive()
          .default(2)
          .describe("Generation throughput of a busy llama.cpp server below which it counts as slow (tokens/s)."),
        containerRestarts15m: z.int().min(1).default(3).describe("Restarts of one container within 15 minutes before alerting."),
      })
      .prefault({})
      .describe("Alert thresholds."),
  })
  .prefault({})
  .describe("Prometheus, Alertmanager, Grafana, Loki, Alloy, node-exporter, cAdvisor and the DCGM exporter (p3).");

export type MonitoringConfig = z.infer<typeof monitoringSection>;
