/**
 * The LiteLLM proxy config, as typed data rendered with the `yaml` library.
 *
 * Failover design: each public model name is ONE model group with two
 * deployments in `order` tiers, its own server first (order 1) and the other
 * server second (order 2). With `num_retries: 0` a failed order-1 attempt
 * (connection refused, timeout, 5xx) moves to order 2 within the same request.
 * Only keys LiteLLM actually reads are emitted: no `priority`, no top-level
 * `router:`, no `retry_strategy` or `retry_on_status_codes` (the reference's,
 * which LiteLLM ignores; measured in docs/litellm-failover.md).
 */
import { stringify } from "yaml";

export interface LiteLLMUpstream {
  /** Deployment id shown in logs and usable as a fallback target. */
  id: string;
  /** llama-server's --alias, sent upstream as the model name. */
  alias: string;
  apiBase: string;
}

export interface LiteLLMModelRoute {
  /** Public model name clients request. */
  name: string;
  primary: LiteLLMUpstream;
  /** Tried when the primary fails; omit for no failover. */
  backup?: LiteLLMUpstream;
}

export interface LiteLLMSettings {
  routes: LiteLLMModelRoute[];
  requestTimeoutSec: number;
  numRetries: number;
  cooldownSec: number;
  /** Env var holding the master key; the key itself never enters the file. */
  masterKeyEnv: string;
}

interface Deployment {
  model_name: string;
  litellm_params: {
    model: string;
    api_base: string;
    api_key: string;
    timeout: number;
    stream_timeout: number;
    max_retries: number;
    order: number;
  };
  model_info: { id: string; mode: "chat" };
}

export interface LiteLLMConfig {
  model_list: Deployment[];
  router_settings: {
    routing_strategy: "simple-shuffle";
    num_retries: number;
    timeout: number;
    cooldown_time: number;
    enable_pre_call_checks: boolean;
  };
  litellm_settings: { drop_params: boolean; request_timeout: number; num_retries: number };
  general_settings: { master_key: string };
}

function deployment(route: string, upstream: LiteLLMUpstream, order: number, settings: LiteLLMSettings): Deployment {
  return {
    model_name: route,
    litellm_params: {
      model: `openai/${upstream.alias}`,
      api_base: upstream.apiBase,
      // llama-server ignores it, but the openai provider requires one.
      api_key: "sk-no-key-required",
      timeout: settings.requestTimeoutSec,
      stream_timeout: settings.requestTimeoutSec,
      // Retries inside the OpenAI client would multiply with the router's; the router decides.
      max_retries: 0,
      order,
    },
    model_info: { id: `${route}-${upstream.id}`, mode: "chat" },
  };
}

export function buildLiteLLMConfig(settings: LiteLLMSettings): LiteLLMConfig {
  const model_list = settings.routes.flatMap((route) => [
    deployment(route.name, route.primary, 1, settings),
    ...(route.backup ? [deployment(route.name, route.backup, 2, settings)] : []),
  ]);
  return {
    model_list,
    router_settings: {
      routing_strategy: "simple-shuffle",
      num_retries: settings.numRetries,
      timeout: settings.requestTimeoutSec,
      cooldown_time: settings.cooldownSec,
      // Proxies before v1.83 apply `order` only inside pre-call checks. The pinned
      // version fails over with or without it (test/e2e/gateway-failover.test.ts).
      enable_pre_call_checks: true,
    },
    litellm_settings: { drop_params: true, request_timeout: settings.requestTimeoutSec, num_retries: settings.numRetries },
    general_settings: { master_key: `os.environ/${settings.masterKeyEnv}` },
  };
}

export function renderLiteLLMConfig(settings: LiteLLMSettings): string {
  return stringify(buildLiteLLMConfig(settings), { lineWidth: 0 });
}
