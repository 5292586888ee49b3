/**
 * What "ready" means for each service, from what the service itself answers:
 * llama.cpp's 503 while loading, embedding's `ok` flag, RAG's per-dependency
 * report. Keyed by endpoint name (the service, or `<service>-<port>` for a
 * second port); services not listed are judged by their container
 * healthcheck's URL and any 2xx.
 */
import { GATEWAY_SERVICE } from "../../lib/plan/gateway";
import { INFERENCE_SERVICE } from "../../lib/plan/inference";
import { MCP_ADMIN_PORT, MCP_SERVICE } from "../../lib/plan/mcp";
import { MEMORY_API_SERVICE } from "../../lib/plan/memory";
import {
  ALERTMANAGER,
  ALLOY,
  CADVISOR,
  DCGM_EXPORTER,
  GRAFANA,
  LOKI,
  NODE_EXPORTER,
  PROMETHEUS,
} from "../../lib/plan/monitoring/service-addresses";
import { QDRANT_SERVICE } from "../../lib/plan/qdrant";
import { EMBEDDING_SERVER_SERVICE, EMBEDDING_SERVICE } from "../../lib/plan/embedding";
import { RAG_SERVICE } from "../../lib/plan/rag";

export type HealthState = "up" | "loading" | "degraded" | "down";

export interface Verdict {
  state: HealthState;
  detail: string;
}

export interface Readiness {
  path: string;
  judge(status: number, body: string): Verdict;
}

function json(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function snippet(body: string): string {
  const text = body.replace(/\s+/g, " ").trim();
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Any 2xx is ready; `degradedOn` statuses mean "serving but unhealthy". */
export function httpOk(path: string, degradedOn: number[] = []): Readiness {
  return {
    path,
    judge: (status, body) => {
      if (status >= 200 && status < 300) return { state: "up", detail: `HTTP ${status}` };
      const reason = String(json(body)?.error ?? snippet(body));
      return { state: degradedOn.includes(status) ? "degraded" : "down", detail: `HTTP ${status}${reason ? `: ${reason}` : ""}` };
    },
  };
}

const llamaCpp: Readiness = {
  path: "/health",
  judge: (status, body) => {
    if (status === 200) return { state: "up", detail: "model loaded" };
    if (status === 503) return { state: "loading", detail: "503: loading model" };
    return { state: "down", detail: `HTTP ${status}: ${snippet(body)}` };
  },
};

const embedding: Readiness = {
  path: "/health",
  judge: (status, body) => {
    const b = json(body);
    if (status !== 200 || !b) return { state: "down", detail: `HTTP ${status}: ${snippet(body)}` };
    if (b.ok === true) return { state: "up", detail: `model ${String(b.model)} (dim ${String(b.dim)})` };
    if (b.error) return { state: "down", detail: `model failed to load: ${String(b.error)}` };
    return { state: "loading", detail: `ok=false: ${b.loading ? "loading" : "not loaded"} model ${String(b.model)}` };
  },
};

/** RAG's /health checks Qdrant, embedding and the gateway itself; report each dependency's status. */
const rag: Readiness = {
  path: "/health",
  judge: (status, body) => {
    const b = json(body);
    const deps = b?.dependencies;
    const parts =
      deps && typeof deps === "object"
        ? Object.entries(deps as Record<string, { status?: unknown; error?: unknown }>)
            .filter(([, d]) => d?.status !== "not_checked")
            .map(([name, d]) => `${name} ${String(d?.status)}${d?.error ? ` (${String(d.error)})` : ""}`)
        : [];
    const detail = parts.length ? parts.join(", ") : snippet(body);
    if (status === 200) return { state: "up", detail };
    return { state: status === 503 ? "degraded" : "down", detail: `HTTP ${status}: ${detail}` };
  },
};

export const READINESS: Record<string, Readiness> = {
  [INFERENCE_SERVICE.chat]: llamaCpp,
  [INFERENCE_SERVICE.code]: llamaCpp,
  // /health would call every model and needs the master key.
  [GATEWAY_SERVICE]: httpOk("/health/liveliness"),
  [QDRANT_SERVICE]: httpOk("/readyz", [503]),
  [EMBEDDING_SERVER_SERVICE]: llamaCpp,
  [EMBEDDING_SERVICE]: embedding,
  [RAG_SERVICE]: rag,
  [MEMORY_API_SERVICE]: httpOk("/v1/memory/health", [503]),
  [MCP_SERVICE]: httpOk("/health"),
  // The admin port's endpoint name, as plan.endpoints names a second port.
  [`${MCP_SERVICE}-${MCP_ADMIN_PORT}`]: httpOk("/security/health", [503]),
  [PROMETHEUS.service]: httpOk("/-/ready", [503]),
  [ALERTMANAGER.service]: httpOk("/-/ready", [503]),
  [GRAFANA.service]: httpOk("/api/health"),
  [LOKI.service]: httpOk("/ready", [503]),
  [ALLOY.service]: httpOk("/-/ready"),
  [CADVISOR.service]: httpOk("/healthz"),
  [NODE_EXPORTER.service]: httpOk("/metrics"),
  [DCGM_EXPORTER.service]: httpOk("/health"),
};
