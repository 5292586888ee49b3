/**
 * The gateway under test, wired like p2 but on one machine: the real LiteLLM
 * proxy running the config our renderer produces for p2, with each upstream's
 * api_base pointed at a stand-in on 127.0.0.1. Shared by the e2e test and the
 * failover benchmark.
 */
import type { LiteLLMSettings } from "../../lib/gateway/litellm-config";
import { loadStackFile } from "../../lib/config/load";
import { planContext, type PlanContext } from "../../lib/plan/define-service";
import { gatewaySettings, planGateway } from "../../lib/plan/gateway";
import { INFERENCE_SERVICE } from "../../lib/plan/inference";
import { chat, type ChatOutcome } from "./gateway-client";
import { FakeLlamaServer } from "./fake-llama-server";
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

export interface FailoverRig {
  proxy: LiteLLMProxy;
  /** Stand-in for inference-chat (answers as "inference-chat"). */
  chatServer: FakeLlamaServer;
  codeServer: FakeLlamaServer;
  /** The settings the proxy runs with (p2's, upstreams made local). */
  settings: LiteLLMSettings;
  /** Public model names from the stack config. */
  chatModel: string;
  codeModel: string;
  request(model: string, options?: { stream?: boolean; timeoutMs?: number }): Promise<ChatOutcome>;
  stop(): Promise<void>;
}

export interface RigOptions {
  install: LiteLLMInstall;
  /** Config-level changes for one scenario (e.g. a short request timeout). */
  adjust?: (settings: LiteLLMSettings) => LiteLLMSettings;
  /** Gateway listen port; free one if omitted. */
  port?: number;
}

export async function startFailoverRig(options: RigOptions): Promise<FailoverRig> {
  const ctx = stackContext();
  const chatServer = new FakeLlamaServer(INFERENCE_SERVICE.chat);
  const codeServer = new FakeLlamaServer(INFERENCE_SERVICE.code);
  await chatServer.start();
  await codeServer.start();
  const local = withLocalUpstreams(gatewaySettings(ctx), {
    [INFERENCE_SERVICE.chat]: chatServer.apiBase,
    [INFERENCE_SERVICE.code]: codeServer.apiBase,
  });
  const settings = options.adjust ? options.adjust(local) : local;
  let proxy: LiteLLMProxy;
  try {
    proxy = await startLiteLLMProxy({ install: options.install, settings, env: planGateway(ctx).env, port: options.port });
  } catch (error) {
    await chatServer.kill();
    await codeServer.kill();
    throw error;
  }
  return {
    proxy,
    chatServer,
    codeServer,
    settings,
    chatModel: ctx.config.gateway.chatModel,
    codeModel: ctx.config.gateway.codeModel,
    request: (model, opts = {}) => chat(proxy.url, proxy.masterKey, { model, ...opts }),
    stop: async () => {
      await proxy.stop();
      await chatServer.kill();
      await codeServer.kill();
    },
  };
}
