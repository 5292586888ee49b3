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
 *
 * A server that stops answering without refusing connections (a wedged
 * llama-server) is left to background health checks: with `healthCheck` set,
 * each primary deployment gets a 1-token completion every interval and the
 * router skips the ones whose last check failed, so new requests never wait on
 * it; cooldowns are then off (docs/litellm-failover.md, "A wedged server").
 */
import { stringify } from "yaml";

export interface LiteLLMUpstream {
  /** Deployment id shown in logs and usable as a fallback target. */
  id: string;
  /** llama-server's --alias, sent upstream as the model name. */
  alias: string;
  apiBase: string;
  /**
   * A llama-server router, which loads the model a request names: a background
   * check would load it, and with several models a round of checks would swap
   * them all the time, so it gets none (its container probe watches it).
   */
  loadsOnDemand?: boolean;
}

export interface LiteLLMModelRoute {
  /** Public model name clients request. */
  name: string;
  primary: LiteLLMUpstream;
  /** Tried when the primary fails; omit for no failover. */
  backup?: LiteLLMUpstream;
}

/** Background health checks that take a non-answering server out of routing. */
export interface LiteLLMHealthCheck {
  /** Whole seconds between rounds of checks (LiteLLM ignores anything but a positive int). */
  intervalSec: number;
  /** A check slower than this marks the server unhealthy. */
  timeoutSec: number;
}

export interface LiteLLMSettings {
  routes: LiteLLMModelRoute[];
  requestTimeoutSec: number;
  numRetries: number;
  /** Seconds a deployment is skipped after failed requests cool it down; used only without health checks. */
  cooldownSec: number;
  /**
   * Omit for no background checks: routing then reacts only to failed requests,
   * through cooldowns. With checks, cooldowns are off: the checks take a failing
   * server out and put it back, and a cooldown would only keep a recovered
   * server out longer (docs/litellm-failover.md).
   */
  healthCheck?: LiteLLMHealthCheck;
  /** Env var holding the master key (the key itself never enters the file); unset: the proxy requires no key. */
  masterKeyEnv?: string;
  /** Env var holding the key the upstream llama-servers require (`--api-key-file`); unset: they require none. */
  upstreamKeyEnv?: string;
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
  model_info: {
    id: string;
    mode: "chat";
    /** Seconds a background check of this deployment may take (proxy/health_check.py:_run_model_health_check). */
    health_check_timeout?: number;
    /** Tokens the check generates; 1 keeps it cheap on the GPU. */
    health_check_max_tokens?: number;
    /** Backups are not checked: their server is checked through its own primary route. */
    disable_background_health_check?: boolean;
  };
}

interface GeneralSettings {
  master_key?: string;
  background_health_checks?: boolean;
  health_check_interval?: number;
  /** Router skips deployments whose last background check failed (router.py:_async_filter_health_check_unhealthy_deployments). */
  enable_health_check_routing?: boolean;
  /** Seconds a check result counts; older ones read as "unknown", i.e. healthy. */
  health_check_staleness_threshold?: number;
}

export interface LiteLLMConfig {
  model_list: Deployment[];
  router_settings: {
    routing_strategy: "simple-shuffle";
    num_retries: number;
    timeout: number;
    /** Only without health checks (ignored when cooldowns are disabled). */
    cooldown_time?: number;
    /** With health checks: no cooldowns (router_utils/cooldown_handlers.py:_should_run_cooldown_logic). */
    disable_cooldowns?: boolean;
    enable_pre_call_checks: boolean;
  };
  litellm_settings: { drop_params: boolean; request_timeout: number; num_retries: number };
  general_settings: GeneralSettings;
}

/** `model_info.id` of a route's deployment on an upstream (LiteLLM returns it as `x-litellm-model-id`). */
export function deploymentId(route: string, upstream: LiteLLMUpstream): string {
  return `${route}-${upstream.id}`;
}

function deployment(route: string, upstream: LiteLLMUpstream, order: number, settings: LiteLLMSettings): Deployment {
  return {
    model_name: route,
    litellm_params: {
      model: `openai/${upstream.alias}`,
      api_base: upstream.apiBase,
      // llama-server's --api-key; without one it ignores the key, but the openai provider requires one.
      api_key: settings.upstreamKeyEnv ? `os.environ/${settings.upstreamKeyEnv}` : "sk-no-key-required",
      timeout: settings.requestTimeoutSec,
      stream_timeout: settings.requestTimeoutSec,
      // Retries inside the OpenAI client would multiply with the router's; the router decides.
      max_retries: 0,
      order,
    },
    model_info: { id: deploymentId(route, upstream), mode: "chat", ...healthCheckInfo(order, settings.healthCheck, upstream) },
  };
}

/**
 * Each server is checked once per round, through the route it is primary for. A
 * backup needs no check of its own: when its server is down too, every deployment
 * of the group is unhealthy and LiteLLM ignores the verdicts anyway.
 */
function healthCheckInfo(
  order: number,
  check: LiteLLMHealthCheck | undefined,
  upstream: LiteLLMUpstream,
): Partial<Deployment["model_info"]> {
  if (!check) return {};
  if (order !== 1 || upstream.loadsOnDemand) return { disable_background_health_check: true };
  return { health_check_timeout: check.timeoutSec, health_check_max_tokens: 1 };
}

/**
 * The least `health_check_staleness_threshold` we render, in seconds. LiteLLM
 * keeps every health verdict in one router-cache entry whose TTL (1.5 x the
 * threshold) is set when the entry is created and is not extended by the
 * rounds that write it later (caching/in_memory_cache.py:allow_ttl_override).
 * So the entry vanishes 1.5 x the threshold after it was created, and until the
 * next round writes it again (up to interval + the slowest check) the router
 * has no verdict and routes to a server it had found unhealthy: bench:faults
 * saw 71 of 100 requests sent to a paused server that way (docs/faults.md).
 * With 2 x (interval + timeout) = 16 s that lapse came every 24 s; with an hour
 * it comes once per 1.5 h of proxy uptime. The cost: if the check loop itself
 * stopped, its last verdicts would stand for up to an hour.
 */
export const MIN_HEALTH_STALENESS_SEC = 3600;

function generalSettings(settings: LiteLLMSettings): GeneralSettings {
  const general: GeneralSettings = settings.masterKeyEnv ? { master_key: `os.environ/${settings.masterKeyEnv}` } : {};
  const check = settings.healthCheck;
  if (!check) return general;
  // proxy_server.py:_run_background_health_check returns at once (no checks, no error) unless it is a positive int.
  if (!Number.isInteger(check.intervalSec) || check.intervalSec < 1) {
    throw new Error(`health check interval must be a whole number of seconds >= 1, got ${check.intervalSec}`);
  }
  return {
    ...general,
    background_health_checks: true,
    health_check_interval: check.intervalSec,
    enable_health_check_routing: true,
    // A verdict must outlive one whole round against a wedged server (interval + timeout),
    // or an "unhealthy" would lapse before the next round renews it; and the cache entry
    // holding the verdicts lapses 1.5 x this after its creation whatever the rounds do
    // (MIN_HEALTH_STALENESS_SEC). LiteLLM's own default is 600 s regardless of the interval.
    health_check_staleness_threshold: Math.max(MIN_HEALTH_STALENESS_SEC, Math.ceil(2 * (check.intervalSec + check.timeoutSec))),
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
      ...(settings.healthCheck ? { disable_cooldowns: true } : { cooldown_time: settings.cooldownSec }),
      // Proxies before v1.83 apply `order` only inside pre-call checks. The pinned
      // version fails over with or without it (test/e2e/gateway-failover.test.ts).
      enable_pre_call_checks: true,
    },
    litellm_settings: { drop_params: true, request_timeout: settings.requestTimeoutSec, num_retries: settings.numRetries },
    general_settings: generalSettings(settings),
  };
}

export function renderLiteLLMConfig(settings: LiteLLMSettings): string {
  return stringify(buildLiteLLMConfig(settings), { lineWidth: 0 });
}
