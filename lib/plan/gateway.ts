/** The LiteLLM gateway in front of the two inference servers. */
import type { InferenceRole } from "../config/schema";
import { renderLiteLLMConfig, type LiteLLMModelRoute, type LiteLLMSettings, type LiteLLMUpstream } from "../gateway/litellm-config";
import { defineService, serviceUrl, type PlanContext } from "./define-service";
import { pythonProbe } from "./health";
import { INFERENCE_PORT, INFERENCE_SERVICE } from "./inference";
import type { ServiceSpec } from "./service-spec";

export const GATEWAY_SERVICE = "api-gateway";
export const GATEWAY_PORT = 8000;
export const LITELLM_CONFIG_PATH = "/app/config.yaml";
export const MASTER_KEY_ENV = "LITELLM_MASTER_KEY";

export function gatewaySettings(ctx: PlanContext): LiteLLMSettings {
  const { config } = ctx;
  const upstream = (role: InferenceRole): LiteLLMUpstream => ({
    id: INFERENCE_SERVICE[role],
    alias: config.inference[role].alias,
    apiBase: serviceUrl(INFERENCE_SERVICE[role], INFERENCE_PORT, "/v1"),
  });
  const routes: LiteLLMModelRoute[] = [
    { name: config.gateway.chatModel, primary: upstream("chat"), backup: config.gateway.fallback ? upstream("code") : undefined },
    { name: config.gateway.codeModel, primary: upstream("code"), backup: config.gateway.fallback ? upstream("chat") : undefined },
  ];
  return {
    routes,
    requestTimeoutSec: config.timeouts.llmRequest,
    numRetries: config.gateway.numRetries,
    cooldownSec: config.gateway.cooldownSec,
    healthCheck: config.gateway.healthCheck.enabled
      ? { intervalSec: config.gateway.healthCheck.intervalSec, timeoutSec: config.gateway.healthCheck.timeoutSec }
      : undefined,
    masterKeyEnv: config.gateway.requireKey ? MASTER_KEY_ENV : undefined,
  };
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
    secretEnv: config.gateway.requireKey ? { [MASTER_KEY_ENV]: "gatewayMasterKey" } : {},
    ports: [{ internal: GATEWAY_PORT, external: config.gateway.hostPort, configKey: "gateway.hostPort" }],
    files: [{ path: LITELLM_CONFIG_PATH, content: renderLiteLLMConfig(gatewaySettings(ctx)) }],
    // /health/liveliness makes no upstream calls (/health calls every model and needs the key).
    healthcheck: pythonProbe(`http://127.0.0.1:${GATEWAY_PORT}/health/liveliness`, { startPeriodSec: 180 }),
    dependsOn: [INFERENCE_SERVICE.chat, INFERENCE_SERVICE.code],
    limits: { memoryMiB: config.gateway.memoryMiB, cpus: config.gateway.cpus },
  });
}
