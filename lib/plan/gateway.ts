/** The LiteLLM gateway in front of the two inference servers. */
import { INFERENCE_ROLES, type InferenceRole, type StackConfig } from "../config/schema";
import { renderLiteLLMConfig, type LiteLLMModelRoute, type LiteLLMSettings, type LiteLLMUpstream } from "../gateway/litellm-config";
import { defineService, serviceUrl, type PlanContext } from "./define-service";
import { pythonProbe } from "./health";
import { INFERENCE_PORT, INFERENCE_SERVICE } from "./inference";
import { isRouter } from "./llama-router";
import type { ServiceSpec } from "./service-spec";

export const GATEWAY_SERVICE = "api-gateway";
export const GATEWAY_PORT = 8000;
export const LITELLM_CONFIG_PATH = "/app/config.yaml";
export const MASTER_KEY_ENV = "LITELLM_MASTER_KEY";
/** The llama-servers' key, which LiteLLM reads from env only (`os.environ/...` in its config). */
export const UPSTREAM_KEY_ENV = "INFERENCE_API_KEY";

export function gatewaySettings(ctx: PlanContext): LiteLLMSettings {
  const { config } = ctx;
  const routes = gatewayRoutes(config);
  return {
    routes,
    requestTimeoutSec: config.timeouts.llmRequest,
    numRetries: config.gateway.numRetries,
    cooldownSec: config.gateway.cooldownSec,
    healthCheck: config.gateway.healthCheck.enabled
      ? { intervalSec: config.gateway.healthCheck.intervalSec, timeoutSec: config.gateway.healthCheck.timeoutSec }
      : undefined,
    masterKeyEnv: config.gateway.requireKey ? MASTER_KEY_ENV : undefined,
    upstreamKeyEnv: UPSTREAM_KEY_ENV,
  };
}

/**
 * One route per public model name. A plain server's is `gateway.<role>Model`;
 * a router's are its models' aliases, each sent upstream as the request's
 * `model`, which picks the model. Every route falls back (gateway.fallback) to
 * the other server's default model: a plain server's alias, or the router
 * model named by `gateway.<role>Model`. Where a plain server's public name is
 * also a router model's, the router's route is the one, with the plain server
 * as its backup.
 */
export function gatewayRoutes(config: StackConfig): LiteLLMModelRoute[] {
  const upstream = (role: InferenceRole, alias: string): LiteLLMUpstream => ({
    id: INFERENCE_SERVICE[role],
    alias,
    apiBase: serviceUrl(INFERENCE_SERVICE[role], INFERENCE_PORT, "/v1"),
    ...(isRouter(config.inference[role]) ? { loadsOnDemand: true } : {}),
  });
  const publicName = (role: InferenceRole) => (role === "chat" ? config.gateway.chatModel : config.gateway.codeModel);
  // A router's default model is the one its role's public name names (the schema checks that it has one).
  const defaultUpstream = (role: InferenceRole) =>
    upstream(role, isRouter(config.inference[role]) ? publicName(role) : config.inference[role].alias);
  const backupFor = (role: InferenceRole) => (config.gateway.fallback ? defaultUpstream(role === "chat" ? "code" : "chat") : undefined);
  const routerRoutes = INFERENCE_ROLES.flatMap((role) => {
    const server = config.inference[role];
    return isRouter(server)
      ? server.router.models.map((m) => ({ name: m.alias, primary: upstream(role, m.alias), backup: backupFor(role) }))
      : [];
  });
  const plainRoutes = INFERENCE_ROLES.filter((role) => !isRouter(config.inference[role]))
    .filter((role) => !routerRoutes.some((r) => r.name === publicName(role)))
    .map((role) => ({ name: publicName(role), primary: defaultUpstream(role), backup: backupFor(role) }));
  return [...plainRoutes, ...routerRoutes];
}

export function planGateway(ctx: PlanContext): ServiceSpec {
  const { config } = ctx;
  return defineService(ctx, {
    service: GATEWAY_SERVICE,
    group: "gateway",
    image: { kind: "registry", ref: config.gateway.image },
    command: ["--config", LITELLM_CONFIG_PATH, "--port", String(GATEWAY_PORT), "--host", "0.0.0.0"],
    env: {
      LITELLM_LOG: config.gateway.logLevel,
      // Use the bundled model cost map instead of fetching it at start-up (no egress needed).
      LITELLM_LOCAL_MODEL_COST_MAP: "True",
      LLM_REQUEST_TIMEOUT: String(config.timeouts.llmRequest),
      LLM_CONNECT_TIMEOUT: String(config.timeouts.llmConnect),
    },
    secretEnv: {
      ...(config.gateway.requireKey ? { [MASTER_KEY_ENV]: "gatewayMasterKey" as const } : {}),
      [UPSTREAM_KEY_ENV]: "inferenceApiKey",
    },
    sendsKeys: ["inferenceApiKey"],
    ports: [{ internal: GATEWAY_PORT, external: config.gateway.hostPort, configKey: "gateway.hostPort" }],
    files: [{ path: LITELLM_CONFIG_PATH, content: renderLiteLLMConfig(gatewaySettings(ctx)) }],
    // /health/liveliness makes no upstream calls (/health calls every model and needs the key).
    healthcheck: pythonProbe(`http://127.0.0.1:${GATEWAY_PORT}/health/liveliness`, { startPeriodSec: 180 }),
    dependsOn: [INFERENCE_SERVICE.chat, INFERENCE_SERVICE.code],
    limits: { memoryMiB: config.gateway.memoryMiB, cpus: config.gateway.cpus },
  });
}
