/** Router mode (Pulumi.p2-router.yaml): config, the GPU plan's worst case, the preset, the gateway's routes, the probe. */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/config/errors";
import { parseStackConfig } from "../lib/config/load";
import { routerModelServer } from "../lib/config/schema";
import { buildLiteLLMConfig } from "../lib/gateway/litellm-config";
import { gatewaySettings } from "../lib/plan/gateway";
import { planContext } from "../lib/plan/define-service";
import { LLAMA_API_KEY_FILE, llamaServerArgs } from "../lib/plan/inference";
import { isRouter, ROUTER_PRESET_PATH } from "../lib/plan/llama-router";
import { planStack } from "../lib/plan/stack-plan";
import { ragContextBudget } from "../lib/plan/rag-context";
import { parseLlamaArgs } from "../lib/vram";
import { parsePresetIni, presetSectionArgv } from "../lib/vram/llama-preset";
import { routerWorstCase } from "../lib/vram/router-vram";
import { stackModels } from "../lib/models/stack-models";
import { gpuChecks } from "../ops/doctor/gpu-checks";
import { loadStackFile } from "../ops/stack-file";
import { fakeProbe } from "./ops/support/doctor-fixtures";
import { REPO_LOCK } from "./support/model-lock";
import { PROJECT_DIR } from "./support/pulumi-harness";

const routed = () => loadStackFile("p2-router", PROJECT_DIR);
const plan = (config = routed()) => planStack(config, { stack: "p2-router", projectDir: PROJECT_DIR, lock: REPO_LOCK });
const chatRouter = (models: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
  parseStackConfig({ inference: { chat: { router: { maxLoaded: 1, models } } }, gateway: { chatModel: "a" }, ...extra });

describe("router worst case", () => {
  it("is the router plus the largest maxLoaded models, whatever their order", () => {
    const models = [
      { alias: "a", mib: 100 },
      { alias: "b", mib: 400 },
      { alias: "c", mib: 250 },
    ];
    expect(routerWorstCase(models, 1, 300)).toEqual({ aliases: ["b"], totalMiB: 700, routerOverheadMiB: 300, combinations: 3 });
    expect(routerWorstCase(models, 2, 300)).toEqual({ aliases: ["b", "c"], totalMiB: 950, routerOverheadMiB: 300, combinations: 3 });
    expect(routerWorstCase(models, 3, 0).totalMiB).toBe(750);
  });
});

describe("the p2-router stack's GPU plan", () => {
  it("puts the 7B coder fully on the GPU and budgets its worst set (the coder alone) plus the router", () => {
    const gpu = plan().gpuPlan.gpus[0]!;
    expect(gpu.assignments).toEqual([]); // the CPU server has no VRAM claim
    const router = gpu.routers[0]!;
    expect(router.models.map((m) => [m.alias, `${m.estimate.layersOnGpu}/${m.estimate.totalLayers}`])).toEqual([
      ["chat-3b", "37/37"],
      ["code-7b", "29/29"],
      ["chat-3b-long", "37/37"],
    ]);
    expect(router.worst.aliases).toEqual(["code-7b"]);
    const coder = router.models.find((m) => m.alias === "code-7b")!.estimate.totalMiB;
    expect(router.worst.totalMiB).toBeCloseTo(300 + coder, 0);
    expect(gpu.estimatedMiB).toBe(router.worst.totalMiB);
    expect(gpu.estimatedMiB).toBeLessThanOrEqual(gpu.budgetMiB);
  });

  it('fits "auto" models so that the worst set fits: each one alone, beside the router, with maxLoaded 1', () => {
    const config = routed();
    config.gpus[0]!.totalMiB = 4400; // budget 4000: the coder no longer fits whole
    for (const m of config.inference.chat.router!.models) m.nGpuLayers = "auto";
    const router = plan(config).gpuPlan.gpus[0]!.routers[0]!;
    const coder = router.models.find((m) => m.alias === "code-7b")!;
    expect(coder.nGpuLayers).toBeLessThan(29);
    expect(coder.nGpuLayers).toBeGreaterThan(10);
    expect(router.models.find((m) => m.alias === "chat-3b")!.nGpuLayers).toBe(37); // it fits whole, so it stays whole
    expect(router.worst.totalMiB).toBeLessThanOrEqual(4000);
  });

  it("refuses a worst set over budget before anything is created, naming the model's key", () => {
    const config = routed();
    config.inference.chat.router!.maxLoaded = 2;
    expect(() => plan(config)).toThrow(ConfigError);
    expect(() => plan(config)).toThrow(/inference\.chat\.router\.models\[1\]\.nGpuLayers.*worst set of loaded models/s);
  });
});

describe("the router's container", () => {
  it("runs with router arguments only and ships the preset: one section per model, the same arguments a plain server of those settings gets", () => {
    const config = routed();
    const spec = plan(config).services.find((s) => s.service === "inference-chat")!;
    expect(spec.command).toEqual([
      "--host",
      "0.0.0.0",
      "--port",
      "8001",
      "--models-preset",
      ROUTER_PRESET_PATH,
      "--models-max",
      "1",
      "--models-autoload",
      "--api-key-file",
      LLAMA_API_KEY_FILE,
    ]);
    const file = spec.files.find((f) => f.path === ROUTER_PRESET_PATH)!;
    const preset = parsePresetIni(file.content);
    expect(preset.topLevel).toEqual([]);
    const server = config.inference.chat;
    if (!isRouter(server)) throw new Error("not a router");
    expect(preset.sections.map((s) => s.name)).toEqual(server.router.models.map((m) => m.alias));
    for (const m of server.router.models) {
      const section = preset.sections.find((s) => s.name === m.alias)!;
      const planned = llamaServerArgs(routerModelServer(server, m), 999);
      expect(parseLlamaArgs(presetSectionArgv(section))).toEqual(parseLlamaArgs(planned));
      expect(section.options).toContainEqual(["load-on-startup", "false"]);
      expect(section.options.map(([k]) => k)).not.toContain("alias"); // the router sets it from the section name
    }
    expect(spec.metrics).toBeUndefined(); // a router answers /metrics per model only, loading it to answer
  });

  it("has a probe that is valid bash and never asks the router for a model", () => {
    const probe = plan().services.find((s) => s.service === "inference-chat")!.healthcheck;
    const script = probe.test[3]!;
    execFileSync("bash", ["-n", "-c", script]);
    expect(script).not.toMatch(/model=/);
    expect(probe.timeoutSec).toBeLessThan(probe.intervalSec);
  });
});

describe("the gateway in front of a router", () => {
  it("routes each router model by its alias, falls back to the CPU server, and runs no health check that would load a model", () => {
    const config = buildLiteLLMConfig(gatewaySettings(planContext(routed(), { stack: "p2-router", projectDir: PROJECT_DIR })));
    const byName = (name: string) => config.model_list.filter((d) => d.model_name === name);
    expect([...new Set(config.model_list.map((d) => d.model_name))]).toEqual(["chat-3b", "code-7b", "chat-3b-long"]);
    for (const name of ["chat-3b", "code-7b", "chat-3b-long"]) {
      const [primary, backup] = byName(name);
      expect(primary!.litellm_params).toMatchObject({ model: `openai/${name}`, api_base: "http://inference-chat:8001/v1", order: 1 });
      expect(backup!.litellm_params).toMatchObject({ model: "openai/chat-3b-cpu", api_base: "http://inference-code:8001/v1", order: 2 });
    }
    expect(config.model_list.every((d) => d.model_info.disable_background_health_check === true)).toBe(true);
  });
});

describe("router config errors", () => {
  it("names the gateway key when the role's public name is no model of its router", () => {
    expect(() =>
      parseStackConfig({ inference: { chat: { router: { maxLoaded: 1, models: [{ alias: "x", model: "x.gguf" }] } } } }),
    ).toThrow(/gateway\.chatModel.*is a router and serves only "x"/s);
  });

  it("refuses duplicate aliases, maxLoaded above the model count, and an inherited setting llama.cpp refuses", () => {
    expect(() =>
      chatRouter([
        { alias: "a", model: "a.gguf" },
        { alias: "a", model: "b.gguf" },
      ]),
    ).toThrow(/duplicate router model alias "a"/);
    expect(() =>
      parseStackConfig({
        inference: { chat: { router: { maxLoaded: 3, models: [{ alias: "a", model: "a.gguf" }] } } },
        gateway: { chatModel: "a" },
      }),
    ).toThrow(/maxLoaded.*has only 1 model/s);
    expect(() =>
      parseStackConfig({
        inference: { chat: { flashAttn: "off", router: { maxLoaded: 1, models: [{ alias: "a", model: "a.gguf", cacheTypeV: "q8_0" }] } } },
        gateway: { chatModel: "a" },
      }),
    ).toThrow(/router\.models\.0\.cacheTypeV|router.*cacheTypeV/s);
  });
});

describe("a router's models", () => {
  it("are the stack's models (pull, verify, doctor, the lock check) in place of the server's unused one", () => {
    const files = stackModels(routed()).map((m) => [m.key, m.file]);
    expect(files).toEqual([
      ["inference.chat.router.models[0].model", "Qwen2.5-3B-Instruct-Q4_K_M.gguf"],
      ["inference.chat.router.models[1].model", "qwen2.5-coder-7b-instruct-q4_k_m.gguf"],
      ["inference.chat.router.models[2].model", "Qwen2.5-3B-Instruct-Q4_K_M.gguf"],
      ["inference.code.model", "Qwen2.5-3B-Instruct-Q4_K_M.gguf"],
      ["embedding.server.model", "bge-small-en-v1.5-q8_0.gguf"],
    ]);
  });

  it("must be in the lock: an unlocked one is a config error naming its key", () => {
    const config = routed();
    config.inference.chat.router!.models[2]!.model = "not-locked.gguf";
    expect(() => plan(config)).toThrow(/inference\.chat\.router\.models\[2\]\.model = "not-locked\.gguf"/);
  });
});

describe("doctor on a router's GPU", () => {
  it("shows the router's worst set and its figure next to the budget", async () => {
    const [row] = await gpuChecks(plan(), fakeProbe(), []);
    expect(row!.status).toBe("ok");
    expect(row!.detail).toMatch(
      /plan 4855\.8 MiB of budget 5741 MiB; inference-chat \(router, maxLoaded 1\) 4855\.8 MiB = router 300 \+ code-7b 4555\.8 \(worst of 3 set\(s\) of 1\)/,
    );
  });
});

describe("router mode on the Kubernetes target", () => {
  it("is refused with the reason, before anything is planned", () => {
    expect(() =>
      parseStackConfig({
        target: "kubernetes",
        inference: { chat: { router: { maxLoaded: 1, models: [{ alias: "a", model: "a.gguf" }] } } },
        gateway: { chatModel: "a" },
      }),
    ).toThrow(/inference\.chat\.router.*target docker only/s);
  });
});

describe("RAG's prompt budget in front of a router", () => {
  it("reads the context of the model the role's public name picks, not the server's own", () => {
    const config = routed();
    config.inference.chat.ctxSize = 64; // the router's own setting; no model runs with it
    config.inference.chat.router!.models[0]!.ctxSize = 4096; // chat-3b, which gateway.chatModel names
    config.inference.code.ctxSize = 8192;
    expect(ragContextBudget(config)).toMatchObject({ limitedBy: "chat", slotTokens: 4096 });
  });
});
