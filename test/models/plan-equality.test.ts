/**
 * One plan everywhere: the plan (every container's args, the GPU plan,
 * auto-fitted -ngl) is byte-identical whether modelsDir is missing, holds the
 * locked files, or holds files whose headers say something else entirely; it
 * is today's plan to the MiB; and a model the lock lacks is a config error
 * before anything is planned.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/errors";
import { loadStackFile } from "../../lib/config/load";
import { expandTensors, type ModelLock } from "../../lib/models/lock";
import { planStack, type StackPlan } from "../../lib/plan/stack-plan";
import { REPO_LOCK } from "../support/model-lock";
import { writeGguf } from "../vram/support/gguf-fixture";
import { writeTinyModel } from "./support/tiny-models";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const VARIANTS: [string, string, string[]][] = [
  ["p2 as committed", "p2", []],
  ["p3 as committed", "p3", []],
  ["p2, code auto", "p2", ['inference.code.nGpuLayers="auto"']],
  ["p2, both auto", "p2", ['inference.code.nGpuLayers="auto"', 'inference.chat.nGpuLayers="auto"']],
  ["p2, both auto, code first", "p2", ['inference.code.nGpuLayers="auto"', 'inference.chat.nGpuLayers="auto"', 'inference.preferOnGpu="code"']],
  ["p3, code auto at ctx 4096", "p3", ['inference.code.nGpuLayers="auto"', "inference.code.ctxSize=4096"]],
];

const planIn = (stack: string, sets: string[], modelsDir: string, lock: ModelLock = REPO_LOCK): StackPlan =>
  planStack(loadStackFile(stack, PROJECT_DIR, [`paths.modelsDir=${modelsDir}`, ...sets]), { stack, projectDir: PROJECT_DIR, lock });

/** A file under each locked name whose header is the lock's (tensor infos only). */
function writeLockedHeaders(dir: string): void {
  for (const [file, entry] of Object.entries(REPO_LOCK.models)) {
    if (!entry.gguf) {
      fs.writeFileSync(path.join(dir, file), "");
      continue;
    }
    const g = entry.gguf;
    writeGguf(path.join(dir, file), {
      "general.architecture": g.architecture,
      [`${g.architecture}.block_count`]: g.nLayer,
      [`${g.architecture}.embedding_length`]: g.nEmbd,
      [`${g.architecture}.attention.head_count`]: g.nHead,
      [`${g.architecture}.attention.head_count_kv`]: g.nHeadKv,
      [`${g.architecture}.feed_forward_length`]: g.nFf,
      [`${g.architecture}.context_length`]: g.nCtxTrain,
    }, expandTensors(g.tensors).map((t) => ({ name: t.name, type: t.type.id, shape: t.shape })));
  }
}

describe.each(VARIANTS)("%s", (_name, stack, sets) => {
  it("plans byte-identically without modelsDir, with the locked files, and with other files under their names", () => {
    const modelsDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-eq-")), "models");
    const without = JSON.stringify(planIn(stack, sets, modelsDir));

    fs.mkdirSync(modelsDir);
    writeLockedHeaders(modelsDir);
    const withLocked = JSON.stringify(planIn(stack, sets, modelsDir));

    // Another model under each name: a header read (as the plan used to do) would change every estimate.
    for (const file of Object.keys(REPO_LOCK.models)) writeTinyModel(modelsDir, file, 2);
    const withOthers = JSON.stringify(planIn(stack, sets, modelsDir));

    expect(withLocked).toBe(without);
    expect(withOthers).toBe(without);
    const plan = JSON.parse(without) as StackPlan;
    for (const a of plan.gpuPlan.gpus.flatMap((g) => g.assignments)) expect(a.estimate.source).toBe("models.lock.json");
  });
});

describe("the plan is today's, to the MiB (the lock reproduces the catalog's estimates)", () => {
  it.each([
    ["p2 as committed", { chat: 999, code: 20 }, 5642],
    ["p2, both auto", { chat: 37, code: 20 }, 5642],
    ["p2, both auto, code first", { chat: 13, code: 29 }, 5713.5],
    ["p3, code auto at ctx 4096", { chat: 999, code: 19 }, 5624.4],
  ] as const)("%s: -ngl %o, %d MiB on the GPU", (name, layers, mib) => {
    const [, stack, sets] = VARIANTS.find(([n]) => n === name)!;
    const plan = planIn(stack, sets, "/nonexistent/models");
    expect(plan.gpuPlan.layers).toEqual(layers);
    expect(plan.gpuPlan.gpus[0]!.estimatedMiB).toBe(mib);
  });
});

describe("a model the lock does not have", () => {
  it("is a config error naming the key, the file and the command that adds it", () => {
    let error: unknown;
    try {
      planIn("p2", ["inference.code.model=llama-3.1-8b-instruct-q4_k_m.gguf"], "/srv/models");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('Invalid models of stack "p2" (1 problem):');
    expect(message).toContain('local-ai-suite:inference.code.model = "llama-3.1-8b-instruct-q4_k_m.gguf": the model is not in models.lock.json, so the stack can neither plan nor fetch it');
    expect(message).toContain("fix: npm run models -- add <hf-repo> llama-3.1-8b-instruct-q4_k_m.gguf [--revision R], then commit models.lock.json");
  });

  it("covers the embedding server too (pull and verify fetch and check it)", () => {
    expect(() => planIn("p2", ["embedding.server.model=nomic-embed-text-v1.5.Q4_K_M.gguf"], "/srv/models")).toThrow(/embedding\.server\.model = "nomic-embed-text-v1\.5\.Q4_K_M\.gguf": the model is not in models\.lock\.json/);
  });

  it("a planned server's entry without GGUF facts cannot be planned", () => {
    expect(() => planIn("p2", ["inference.chat.model=bge-small-en-v1.5-q8_0.gguf"], "/srv/models")).toThrow(
      /inference\.chat\.model = "bge-small-en-v1\.5-q8_0\.gguf": models\.lock\.json has no GGUF facts for it[\s\S]*npm run models -- add CompendiumLabs\/bge-small-en-v1\.5-gguf bge-small-en-v1\.5-q8_0\.gguf --revision d32f8c04/,
    );
  });
});
