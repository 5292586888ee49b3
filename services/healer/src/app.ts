/** The healer's HTTP side: /health (the Docker API answered recently) and /metrics. Nothing it serves changes anything. */
import { createHttpApp, listen, type RunningServer } from "../../common/src/http-app.ts";
import { httpMetrics, Registry } from "../../common/src/metrics.ts";
import type { HealerConfig } from "./config.ts";
import { DockerApi } from "./docker-api.ts";
import { Healer } from "./healer.ts";

export interface RunningHealer extends RunningServer {
  healer: Healer;
}

export async function startHealer(config: HealerConfig): Promise<RunningHealer> {
  const registry = new Registry();
  const healer = new Healer(
    new DockerApi(config.dockerApi, config.stack, config.optInLabel),
    {
      restarts: registry.counter("healer_restarts_total", "Unhealthy containers the healer restarted, by service.", ["service"]),
      skipped: registry.counter(
        "healer_restarts_skipped_total",
        "Restarts left out because the container's restart budget was spent, by service.",
        ["service"],
      ),
      errors: registry.counter("healer_docker_errors_total", "Docker API calls that failed, by operation.", ["operation"]),
      running: registry.gauge(
        "healer_service_running",
        "1 when a container of the service is running, 0 when its containers exist but none runs (listed every resync).",
        ["service"],
      ),
      starts: registry.counter("healer_container_starts_total", "Container starts in Docker's event stream, by service.", ["service"]),
    },
    config,
  );
  const server = createHttpApp({
    service: "healer",
    metrics: httpMetrics(registry),
    maxBodyBytes: 1024,
    routes: [
      {
        method: "GET",
        path: "/health",
        handler: () => {
          const fresh = Date.now() - healer.lastContact < 2.5 * config.resyncSec * 1000;
          return {
            status: fresh ? 200 : 503,
            body: {
              ok: fresh,
              stack: config.stack,
              lastDockerContact: healer.lastContact ? new Date(healer.lastContact).toISOString() : null,
            },
          };
        },
      },
      {
        method: "GET",
        path: "/metrics",
        handler: () => ({ status: 200, text: registry.render(), contentType: "text/plain; version=0.0.4" }),
      },
    ],
  });
  const running = await listen(server, config.port, config.host);
  healer.start();
  return {
    ...running,
    healer,
    close: async () => {
      healer.stop();
      await running.close();
    },
  };
}
