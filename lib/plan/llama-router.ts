/**
 * An inference server in router mode (llama-server b9851 without `--model`):
 * its argv, the preset file that lists the only models it may load, and its
 * probe. The router spawns one child llama-server per loaded model with the
 * preset section's arguments; the router's own argv reaches every child too,
 * with priority, so it holds only what is the router's.
 */
import { routerModelServer, type InferenceRole, type LlamaServerConfig, type StackConfig } from "../config/schema";
import type { RouterConfig } from "../config/router-section";
import { presetLinesOf } from "../vram/llama-preset";
import { BUSY_MIN_TICKS, INFERENCE_PORT, LLAMA_API_KEY_CURL_HEADER, llamaServerArgs, METRICS_WAIT_SEC } from "./inference";
import type { HealthcheckSpec } from "./service-spec";

export const ROUTER_PRESET_PATH = "/etc/llama-router/models.ini";

/** Arguments the router sets for each child itself (host, port, alias: server-models.cpp, update_args). */
const ROUTER_OWNED_KEYS = ["host", "port", "alias"];

/** Seconds the probe waits for the router's own /health (its HTTP thread answers it at once). */
const ROUTER_HEALTH_WAIT_SEC = 2;

/** Seconds the router waits for an evicted child to exit before it kills it (preset `stop-timeout`). */
export const ROUTER_STOP_TIMEOUT_SEC = 10;

export type RoutedServer = LlamaServerConfig & { router: RouterConfig };

export const isRouter = (server: LlamaServerConfig): server is RoutedServer => server.router !== undefined;

/**
 * The settings a role's default model runs with: a plain server's own, or for a
 * router the model its role's public name (`gateway.<role>Model`) names.
 */
export function defaultModelSettings(config: StackConfig, role: InferenceRole): LlamaServerConfig {
  const server = config.inference[role];
  if (!isRouter(server)) return server;
  const name = role === "chat" ? config.gateway.chatModel : config.gateway.codeModel;
  return routerModelServer(server, server.router.models.find((m) => m.alias === name) ?? server.router.models[0]!);
}

/** The router's argv: where it listens, its preset, how many models it keeps loaded. */
export function llamaRouterArgs(server: RoutedServer): string[] {
  return [
    "--host",
    "0.0.0.0",
    "--port",
    String(INFERENCE_PORT),
    "--models-preset",
    ROUTER_PRESET_PATH,
    "--models-max",
    String(server.router.maxLoaded),
    // A request for an unloaded model loads it; the gateway's health checks never ask for one (gateway.ts).
    "--models-autoload",
  ];
}

/**
 * The preset: one section per model, named by its alias, holding the same
 * arguments a plain server of those settings gets. No top-level keys: b9851
 * turns them into a model of their own (lib/vram/llama-preset.ts).
 */
export function routerPresetIni(server: RoutedServer, layers: Record<string, number>): string {
  const sections = server.router.models.map((m) => {
    const argv = llamaServerArgs(routerModelServer(server, m), layers[m.alias] ?? 0);
    return [
      `[${m.alias}]`,
      ...presetLinesOf(argv, ROUTER_OWNED_KEYS),
      "load-on-startup = false",
      `stop-timeout = ${ROUTER_STOP_TIMEOUT_SEC}`,
    ].join("\n");
  });
  return `; Rendered by local-ai-suite (lib/plan/llama-router.ts): the only models this router may load.\n${sections.join("\n\n")}\n`;
}

/**
 * The router's probe. "Router up" is its own /health. "Model loaded" is each
 * child process it has spawned (its children: pid 1's, with a --port): each
 * child that answers /metrics, or is still loading (503, connection refused),
 * is fine, so no probe waits for a model that loads on first use and none
 * loads one (it never asks the router for a model). A child whose /metrics
 * times out while its main thread did not run is wedged, as in
 * llamaServerProbe; the container is then unhealthy and the healer restarts it.
 */
export function llamaRouterProbe(server: RoutedServer): HealthcheckSpec {
  const script = [
    `curl -fsS --max-time ${ROUTER_HEALTH_WAIT_SEC} -o /dev/null http://127.0.0.1:${INFERENCE_PORT}/health || { echo "router: /health unanswered"; exit 1; }`,
    'ticks() { read -ra t < "/proc/$1/task/$1/stat" && echo $((t[13] + t[14])); }',
    "for d in /proc/[0-9]*; do",
    '  read -ra s < "$d/stat" 2>/dev/null || continue',
    '  [ "${s[3]}" = 1 ] || continue',
    '  mapfile -d "" a < "$d/cmdline"; port=""; alias=""',
    '  for i in "${!a[@]}"; do case "${a[$i]}" in --port) port=${a[$((i + 1))]} ;; --alias) alias=${a[$((i + 1))]} ;; esac; done',
    '  [ -n "$port" ] || continue',
    '  pid=${d#/proc/}; before=$(ticks "$pid") || continue',
    `  curl -fsS --max-time ${METRICS_WAIT_SEC} -o /dev/null ${LLAMA_API_KEY_CURL_HEADER} "http://127.0.0.1:$port/metrics" && continue`,
    // 28 is curl's timeout; a refusal or a 503 is a child still loading (or just unloaded).
    '  [ "$?" -eq 28 ] || continue',
    '  ran=$(( $(ticks "$pid") - before )) || continue',
    `  [ "$ran" -ge ${BUSY_MIN_TICKS} ] && { echo "busy: model $alias: /metrics waited ${METRICS_WAIT_SEC} s; its inference thread ran $ran ticks"; continue; }`,
    `  echo "wedged: model $alias: /metrics unanswered for ${METRICS_WAIT_SEC} s and its inference thread ran $ran ticks"; exit 1`,
    "done",
  ].join("\n");
  // The router's /health plus one /metrics wait per loaded child, and room for bash and curl to start.
  const timeoutSec = ROUTER_HEALTH_WAIT_SEC + METRICS_WAIT_SEC * server.router.maxLoaded + 1;
  return {
    test: ["CMD", "bash", "-c", script],
    // Longer than the timeout, so probes never overlap; 6 s as llamaServerProbe where that allows.
    intervalSec: Math.max(6, timeoutSec + 2),
    timeoutSec,
    retries: 2,
    startPeriodSec: server.loadTimeoutSec,
    startIntervalSec: 2,
  };
}
