/** Stack planning as plain data: auto-fit through the GPU plan, gateway routes, start order. */
import { describe, expect, it } from "vitest";
import { planContext } from "../lib/plan/define-service";
import { parse as parseYaml } from "yaml";
import { parseStackConfig } from "../lib/config/load";
import { loadStackFile, rawFromStackFile } from "../ops/stack-file";
import { buildLiteLLMConfig } from "../lib/gateway/litellm-config";
import { criticalPath, DependencyCycleError, topologicalOrder } from "../lib/plan/graph";
import { gatewaySettings } from "../lib/plan/gateway";
import { llamaServerArgs } from "../lib/plan/inference";
import { planStack } from "../lib/plan/stack-plan";
import { lockLookup } from "../lib/models/lock";
import { estimateFromArgs } from "../lib/vram";
import { REPO_LOCK } from "./support/model-lock";
import { PROJECT_DIR } from "./support/pulumi-harness";
import * as path from "node:path";

const p2Raw = () => rawFromStackFile(path.join(PROJECT_DIR, "Pulumi.p2.yaml"));
const plan = (raw: Record<string, unknown>) => planStack(parseStackConfig(raw), { stack: "p2", projectDir: PROJECT_DIR, lock: REPO_LOCK });

describe("GPU plan with nGpuLayers: auto", () => {
  it("gives the code server the most layers that still fit next to the fixed chat server", async () => {
    const raw = p2Raw() as any;
    raw.inference.code.nGpuLayers = "auto";
    const { gpuPlan } = plan(raw);
    const [gpu] = gpuPlan.gpus;
    const code = gpu.assignments.find((a) => a.role === "code")!;
    const chat = gpu.assignments.find((a) => a.role === "chat")!;
    expect(code.auto).toBe(true);
    expect(chat.nGpuLayers).toBe(999);
    expect(gpu.estimatedMiB).toBeLessThanOrEqual(gpu.budgetMiB);
    // One more layer must not fit: recompute independently from the server's own argv.
    const config = parseStackConfig(raw);
    const oneMore = estimateFromArgs(llamaServerArgs(config.inference.code, code.nGpuLayers + 1), lockLookup(REPO_LOCK), {
      overheadMiB: 300,
    });
    expect(chat.estimate.totalMiB + oneMore.totalMiB).toBeGreaterThan(gpu.budgetMiB);
  });

  it("fills the preferred server first when both are auto", async () => {
    const raw = p2Raw() as any;
    raw.inference.chat.nGpuLayers = "auto";
    raw.inference.code.nGpuLayers = "auto";
    const chatFirst = plan(raw).gpuPlan.layers;
    raw.inference.preferOnGpu = "code";
    const codeFirst = plan(raw).gpuPlan.layers;
    expect(chatFirst.chat).toBeGreaterThan(codeFirst.chat);
    expect(codeFirst.code).toBeGreaterThan(chatFirst.code);
  });

  it("puts each server's estimate under the GPU it names", async () => {
    const raw = p2Raw() as any;
    raw.gpus = [
      { id: "0", totalMiB: 6141 },
      { id: "1", totalMiB: 8192 },
    ];
    raw.inference.code.gpu = "1";
    raw.inference.code.nGpuLayers = 999;
    const { gpuPlan, services } = plan(raw);
    expect(gpuPlan.gpus.map((g) => [g.id, g.assignments.map((a) => a.service)])).toEqual([
      ["0", ["inference-chat"]],
      ["1", ["inference-code"]],
    ]);
    expect(services.find((s) => s.service === "inference-code")!.gpuDeviceIds).toEqual(["1"]);
  });
});

describe("gateway routes", () => {
  it("without fallback, each model has exactly its own server", () => {
    const config = parseStackConfig({ gateway: { fallback: false } });
    const rendered = buildLiteLLMConfig(gatewaySettings(planContext(config, { stack: "p2", projectDir: PROJECT_DIR })));
    expect(rendered.model_list.map((d) => [d.model_name, d.litellm_params.api_base, d.litellm_params.order])).toEqual([
      ["chat-7b", "http://inference-chat:8001/v1", 1],
      ["code-7b", "http://inference-code:8001/v1", 1],
    ]);
  });

  it("routes the configured public names and sends each server's alias upstream", () => {
    const config = parseStackConfig({ gateway: { chatModel: "chat", codeModel: "code" }, inference: { chat: { alias: "qwen-3b" } } });
    const rendered = buildLiteLLMConfig(gatewaySettings(planContext(config, { stack: "p2", projectDir: PROJECT_DIR })));
    const chatPrimary = rendered.model_list.find((d) => d.model_name === "chat" && d.litellm_params.order === 1)!;
    expect(chatPrimary.litellm_params.model).toBe("openai/qwen-3b");
    expect(new Set(rendered.model_list.map((d) => d.model_name))).toEqual(new Set(["chat", "code"]));
  });
});

describe("gateway health checks", () => {
  const render = (raw: Record<string, unknown>) =>
    buildLiteLLMConfig(gatewaySettings(planContext(parseStackConfig(raw), { stack: "p2", projectDir: PROJECT_DIR })));

  it("checks each server once per round, through its primary route, and lets the router skip the failing ones", () => {
    const rendered = render({});
    expect(rendered.general_settings).toEqual({
      master_key: "os.environ/LITELLM_MASTER_KEY",
      background_health_checks: true,
      health_check_interval: 3,
      enable_health_check_routing: true,
      // Outlives one round against a wedged server (2 x (3 s interval + 5 s timeout) = 16 s would), and
      // long enough that LiteLLM's verdict entry, whose TTL is fixed at its creation, lapses rarely.
      health_check_staleness_threshold: 3600,
    });
    const info = (order: number) => rendered.model_list.filter((d) => d.litellm_params.order === order).map((d) => d.model_info);
    expect(info(1)).toEqual([
      { id: "chat-7b-inference-chat", mode: "chat", health_check_timeout: 5, health_check_max_tokens: 1 },
      { id: "code-7b-inference-code", mode: "chat", health_check_timeout: 5, health_check_max_tokens: 1 },
    ]);
    expect(info(2).map((i) => i.disable_background_health_check)).toEqual([true, true]);
    // The checks put a server back; a cooldown would hold a recovered one out for cooldown_time.
    expect(rendered.router_settings.disable_cooldowns).toBe(true);
    expect(rendered.router_settings).not.toHaveProperty("cooldown_time");
    // No allowed_fails_policy: with one, LiteLLM stops filtering on health verdicts at all.
    expect(JSON.stringify(rendered)).not.toMatch(/allowed_fails/);
  });

  it("follows the configured interval and timeout", () => {
    const rendered = render({ gateway: { healthCheck: { intervalSec: 10, timeoutSec: 2.5 } } });
    expect(rendered.general_settings.health_check_interval).toBe(10);
    expect(rendered.general_settings.health_check_staleness_threshold).toBe(3600);
    // A round longer than half an hour still gets two rounds' worth.
    expect(
      render({ gateway: { healthCheck: { intervalSec: 1800, timeoutSec: 30 } } }).general_settings.health_check_staleness_threshold,
    ).toBe(3660);
    expect(rendered.model_list[0].model_info.health_check_timeout).toBe(2.5);
  });

  it("emits none of it when switched off", () => {
    const rendered = render({ gateway: { healthCheck: { enabled: false } } });
    expect(rendered.general_settings).toEqual({ master_key: "os.environ/LITELLM_MASTER_KEY" });
    expect(rendered.router_settings.cooldown_time).toBe(30);
    expect(rendered.router_settings).not.toHaveProperty("disable_cooldowns");
    expect(JSON.stringify(rendered.model_list)).not.toMatch(/health_check/);
  });

  it("refuses an interval LiteLLM would silently ignore", () => {
    const settings = gatewaySettings(planContext(parseStackConfig({}), { stack: "p2", projectDir: PROJECT_DIR }));
    expect(() => buildLiteLLMConfig({ ...settings, healthCheck: { intervalSec: 0.5, timeoutSec: 5 } })).toThrow(/whole number of seconds/);
  });
});

describe("start order", () => {
  it("starts every p2 service after the ones it depends on", async () => {
    const { services } = planStack(loadStackFile("p2", PROJECT_DIR), { stack: "p2", projectDir: PROJECT_DIR, lock: REPO_LOCK });
    const position = new Map(services.map((s, i) => [s.service, i]));
    for (const s of services) for (const dep of s.dependsOn) expect(position.get(dep)!).toBeLessThan(position.get(s.service)!);
  });

  it("finds cycles and the critical path", () => {
    expect(() =>
      topologicalOrder([
        { id: "a", dependsOn: ["b"] },
        { id: "b", dependsOn: ["a"] },
      ]),
    ).toThrow(DependencyCycleError);
    const nodes = [
      { id: "chat", dependsOn: [] },
      { id: "code", dependsOn: [] },
      { id: "gateway", dependsOn: ["chat", "code"] },
      { id: "qdrant", dependsOn: [] },
      { id: "rag", dependsOn: ["gateway", "qdrant"] },
    ];
    const cost: Record<string, number> = { chat: 30, code: 90, gateway: 20, qdrant: 5, rag: 10 };
    expect(criticalPath(nodes, (id) => cost[id])).toEqual({ chain: ["code", "gateway", "rag"], seconds: 120 });
  });
});

it("ships the rendered LiteLLM config unchanged into the gateway container", async () => {
  const { services } = planStack(loadStackFile("p2", PROJECT_DIR), { stack: "p2", projectDir: PROJECT_DIR, lock: REPO_LOCK });
  const gateway = services.find((s) => s.service === "api-gateway")!;
  const config = parseStackConfig(p2Raw());
  expect(parseYaml(gateway.files[0].content)).toEqual(
    buildLiteLLMConfig(gatewaySettings(planContext(config, { stack: "p2", projectDir: PROJECT_DIR }))),
  );
});
