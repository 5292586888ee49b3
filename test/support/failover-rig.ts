/**
 * The gateway under test, wired like p2 but on one machine: the real LiteLLM
 * proxy running the config our renderer produces for p2, with each upstream's
 * api_base pointed at a local URL. `startGatewayRig` takes those URLs (any
 * OpenAI-compatible servers, such as real llama-servers the caller controls);
 * `startFailoverRig` spawns two stand-ins for them. Shared by the e2e tests and
 * the failover benchmark.
 */
import { deploymentId, renderLiteLLMConfig, type LiteLLMSettings } from "../../lib/gateway/litellm-config";
import { loadStackFile } from "../../ops/stack-file";
import { planContext, type PlanContext } from "../../lib/plan/define-service";
import { gatewaySettings, planGateway } from "../../lib/plan/gateway";
import { INFERENCE_SERVICE } from "../../lib/plan/inference";
import { chat, type ChatOutcome } from "./gateway-client";
import { FakeLlamaServer, type FakeLlamaOptions } from "./fake-llama-server";
import type { LiteLLMInstall } from "./litellm-install";
import { PROJECT_ROOT } from "./litellm-install";
import { startLiteLLMProxy, type LiteLLMProxy } from "./litellm-proxy";

export const STACK = "p2";

export function stackContext(stack = STACK): PlanContext {
  return planContext(loadStackFile(stack, PROJECT_ROOT), { stack, projectDir: PROJECT_ROOT });
}

/**
 * The same settings with every upstream's apiBase replaced by the URL mapped
 * to its id (the in-network DNS names do not resolve here). Throws if a route
 * names an upstream the map lacks, so nothing silently keeps a Docker hostname.
 */
export function withLocalUpstreams(settings: LiteLLMSettings, apiBaseById: Record<string, string>): LiteLLMSettings {
  const local = (id: string): string => {
    const apiBase = apiBaseById[id];
    if (!apiBase) throw new Error(`no local stand-in for upstream "${id}"`);
    return apiBase;
  };
  return {
    ...settings,
    routes: settings.routes.map((route) => ({
      ...route,
      primary: { ...route.primary, apiBase: local(route.primary.id) },
      backup: route.backup ? { ...route.backup, apiBase: local(route.backup.id) } : undefined,
    })),
  };
}

export interface RequestOptions {
  stream?: boolean;
  maxTokens?: number;
  timeoutMs?: number;
}

/** The proxy and what a scenario needs to drive it; owns no upstream. */
export interface GatewayRig {
  proxy: LiteLLMProxy;
  /** The settings the proxy runs with (p2's, upstreams made local). */
  settings: LiteLLMSettings;
  /** Public model names from the stack config. */
  chatModel: string;
  codeModel: string;
  request(model: string, options?: RequestOptions): Promise<ChatOutcome>;
  /** Deployment id of the route `model` on its own server (order 1). */
  primaryDeployment(model: string): string;
  /**
   * Deployment ids the proxy's background health checks found unhealthy in their
   * last round, read from the proxy's `GET /health` (which, with background checks
   * on, returns the stored round instead of calling upstreams). The router reads
   * the same round's verdicts, written in the same step. Undefined before the
   * first round, or when the proxy does not answer.
   */
  unhealthyDeployments(): Promise<Set<string> | undefined>;
  stop(): Promise<void>;
}

export interface GatewayRigOptions {
  install: LiteLLMInstall;
  /** apiBase (`http://host:port/v1`) of each upstream id (`inference-chat`, `inference-code`). */
  upstreams: Record<string, string>;
  /** Config-level changes for one scenario (e.g. a short request timeout). */
  adjust?: (settings: LiteLLMSettings) => LiteLLMSettings;
  /** Gateway listen port; free one if omitted. */
  port?: number;
}

export async function startGatewayRig(options: GatewayRigOptions): Promise<GatewayRig> {
  const ctx = stackContext();
  const local = withLocalUpstreams(gatewaySettings(ctx), options.upstreams);
  const settings = options.adjust ? options.adjust(local) : local;
  const proxy = await startLiteLLMProxy({ install: options.install, settings, env: planGateway(ctx).env, port: options.port });
  return rigAround(proxy, settings, ctx.config.gateway);
}

/**
 * The gateway a stack deployed: the api-gateway container, reached on its
 * published port, with the settings its config was rendered from (upstreams
 * are the in-network names it resolves itself). `stop` leaves it running.
 */
export function deployedGatewayRig(options: {
  ctx: PlanContext;
  url: string;
  /** The container's master key (its LITELLM_MASTER_KEY). */
  masterKey: string;
  /** Its recent log lines, for failure messages. */
  logs(): string;
}): GatewayRig {
  const settings = gatewaySettings(options.ctx);
  const port = Number(new URL(options.url).port);
  const proxy: LiteLLMProxy = {
    url: options.url,
    port,
    masterKey: options.masterKey,
    configYaml: renderLiteLLMConfig(settings),
    logs: options.logs,
    ended: () => undefined,
    stop: async () => undefined,
  };
  return rigAround(proxy, settings, options.ctx.config.gateway);
}

function rigAround(proxy: LiteLLMProxy, settings: LiteLLMSettings, names: { chatModel: string; codeModel: string }): GatewayRig {
  const serverOf = new Map<string, string>();
  for (const route of settings.routes) {
    for (const upstream of [route.primary, route.backup]) if (upstream) serverOf.set(deploymentId(route.name, upstream), upstream.id);
  }
  return {
    proxy,
    settings,
    chatModel: names.chatModel,
    codeModel: names.codeModel,
    request: (model, opts = {}) => chat(proxy.url, proxy.masterKey, { model, ...opts, serverOfDeployment: (id) => serverOf.get(id) }),
    primaryDeployment: (model) => {
      const route = settings.routes.find((r) => r.name === model);
      if (!route) throw new Error(`no route "${model}"`);
      return deploymentId(route.name, route.primary);
    },
    unhealthyDeployments: () => unhealthyDeployments(proxy),
    stop: () => proxy.stop(),
  };
}

async function unhealthyDeployments(proxy: LiteLLMProxy): Promise<Set<string> | undefined> {
  try {
    const res = await fetch(`${proxy.url}/health`, {
      headers: { authorization: `Bearer ${proxy.masterKey}` },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { healthy_endpoints?: unknown[]; unhealthy_endpoints?: { model_id?: string }[] };
    if (!body.unhealthy_endpoints && !body.healthy_endpoints) return undefined;
    return new Set((body.unhealthy_endpoints ?? []).map((e) => e.model_id).filter((id): id is string => typeof id === "string"));
  } catch {
    return undefined;
  }
}

/** The gateway in front of two stand-ins it owns. */
export interface FailoverRig extends GatewayRig {
  /** Stand-in for inference-chat (answers as "inference-chat"). */
  chatServer: FakeLlamaServer;
  codeServer: FakeLlamaServer;
}

export interface RigOptions {
  install: LiteLLMInstall;
  /** Config-level changes for one scenario (e.g. a short request timeout). */
  adjust?: (settings: LiteLLMSettings) => LiteLLMSettings;
  /** Gateway listen port; free one if omitted. */
  port?: number;
  /** Stand-in behaviour (e.g. llama-server's slot count). */
  chatServer?: FakeLlamaOptions;
  codeServer?: FakeLlamaOptions;
}

export async function startFailoverRig(options: RigOptions): Promise<FailoverRig> {
  const chatServer = new FakeLlamaServer(INFERENCE_SERVICE.chat, options.chatServer);
  const codeServer = new FakeLlamaServer(INFERENCE_SERVICE.code, options.codeServer);
  await chatServer.start();
  await codeServer.start();
  let gateway: GatewayRig;
  try {
    gateway = await startGatewayRig({
      install: options.install,
      upstreams: { [INFERENCE_SERVICE.chat]: chatServer.apiBase, [INFERENCE_SERVICE.code]: codeServer.apiBase },
      adjust: options.adjust,
      port: options.port,
    });
  } catch (error) {
    await chatServer.kill();
    await codeServer.kill();
    throw error;
  }
  return {
    ...gateway,
    chatServer,
    codeServer,
    stop: async () => {
      await gateway.stop();
      await chatServer.kill();
      await codeServer.kill();
    },
  };
}
