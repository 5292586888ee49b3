/**
 * One plan everywhere, under the real engine:
 *
 * - the program's `pulumi preview` (with the policy pack) plans the same
 *   resources, with the same inputs, outputs and policy verdicts, whether
 *   paths.modelsDir holds files under the locked names (other models, even) or
 *   does not exist;
 * - a stack deployed (`pulumi up`) where the model files are shows no change in
 *   a `pulumi preview --expect-no-changes` where modelsDir does not exist. The
 *   deployed program is test/engine/fixtures/plan-as-resources, the real plan
 *   held in random.RandomId keepers (the real containers cannot be created
 *   here: no registry, no GPU); a changed ctxSize shows as a change, so the
 *   comparison is sensitive.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../models/support/tiny-models";
import { REPO_LOCK } from "../support/model-lock";
import { cleanup, diagnostics, initStack, policyEvents, preview, pulumi, REPO_DIR, runWithEvents, steps, tempProject, writeStackFile, type EngineRun, type Project } from "../support/pulumi-cli";

const p2Config = () => (parseYaml(fs.readFileSync(path.join(REPO_DIR, "Pulumi.p2.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
const projects: Project[] = [];
afterAll(() => projects.forEach(cleanup));

/** A stack file whose modelsDir is `modelsDir`, everything else as committed. */
function stackWithModelsDir(project: Project, modelsDir: string, extra: Record<string, unknown> = {}): void {
  const config = p2Config();
  writeStackFile(project, "p2", { ...config, "local-ai-suite:paths": { ...(config["local-ai-suite:paths"] as object), modelsDir }, ...extra });
}

/** Other models under every locked name: if anything read them, the plan would change. */
function fillModelsDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const file of Object.keys(REPO_LOCK.models)) writeTinyModel(dir, file, 3);
}

/** Every planned step with its inputs, by URN (the engine registers resources concurrently, so event order varies). */
const planned = (run: EngineRun) => steps(run).map((s) => ({ op: s.op, urn: s.urn, inputs: s.new?.inputs })).sort((a, b) => a.urn.localeCompare(b.urn));
/** The stack's outputs as the program registered them last. */
const stackOutputs = (run: EngineRun) => run.events.flatMap((e) => (e.resOutputsEvent?.metadata.type === "pulumi:pulumi:Stack" ? [e.resOutputsEvent.metadata.new?.outputs] : [])).at(-1);
const verdicts = (run: EngineRun) => policyEvents(run).map((e) => JSON.stringify([e.policyName, e.enforcementLevel, e.resourceUrn ?? "", e.message])).sort();

describe("the program's preview with and without the model files", () => {
  let withFiles: EngineRun;
  let withoutDir: EngineRun;
  beforeAll(async () => {
    const project = tempProject({ stacks: {} });
    projects.push(project);
    const modelsDir = path.join(project.work, "models");
    stackWithModelsDir(project, modelsDir);
    await initStack(project, "p2");
    fillModelsDir(modelsDir);
    withFiles = await preview(project, { stack: "p2", pack: true });
    fs.rmSync(modelsDir, { recursive: true });
    withoutDir = await preview(project, { stack: "p2", pack: true });
  }, 240_000);

  it("both pass", () => {
    expect(withFiles.code, withFiles.output).toBe(0);
    expect(withoutDir.code, withoutDir.output).toBe(0);
  });

  it("plan the same resources with the same inputs (every container's argv, -ngl included)", () => {
    const a = planned(withFiles);
    expect(a.length).toBeGreaterThan(10);
    expect(JSON.stringify(planned(withoutDir))).toBe(JSON.stringify(a));
    const code = a.find((s) => s.urn.endsWith("::suite-llm-inference-code-container"))!;
    expect(code.inputs?.command).toEqual(expect.arrayContaining(["--n-gpu-layers", "20"]));
  });

  it("export the same GPU plan and reach the same policy verdicts", () => {
    const outputs = stackOutputs(withFiles);
    expect(JSON.stringify(stackOutputs(withoutDir))).toBe(JSON.stringify(outputs));
    expect(JSON.stringify(outputs?.gpuPlan)).toContain('"estimatedMiB":5642');
    expect(verdicts(withoutDir)).toEqual(verdicts(withFiles));
    const warnings = (run: EngineRun) => diagnostics(run).filter((d) => d.severity === "warning" || d.severity === "error").map((d) => d.message).sort();
    expect(warnings(withoutDir)).toEqual(warnings(withFiles));
  });
});

describe("a stack deployed where the model files are, previewed where modelsDir does not exist", () => {
  let project: Project;
  let modelsDir: string;
  beforeAll(async () => {
    project = tempProject({ fixture: "plan-as-resources", stacks: {} });
    projects.push(project);
    modelsDir = path.join(project.work, "models");
    stackWithModelsDir(project, modelsDir, { "local-ai-suite:inference": { chat: { nGpuLayers: "auto" }, code: { nGpuLayers: "auto" } } });
    await initStack(project, "p2");
    fillModelsDir(modelsDir);
    const up = await pulumi(project, ["up", "--yes", "--skip-preview", "--stack", "p2"]);
    if (up.code !== 0) throw new Error(`pulumi up failed:\n${up.output}`);
    fs.rmSync(modelsDir, { recursive: true });
  }, 240_000);

  it("shows no change (auto-fitted -ngl included)", async () => {
    const run = await runWithEvents(project, ["preview"], ["--stack", "p2", "--expect-no-changes"]);
    expect(run.code, run.output).toBe(0);
    const summary = run.events.find((e) => e.summaryEvent)!.summaryEvent!;
    expect(Object.keys(summary.resourceChanges)).toEqual(["same"]);
    expect(summary.resourceChanges.same).toBeGreaterThan(8);
    const outputs = JSON.parse((await pulumi(project, ["stack", "output", "--json", "--stack", "p2"])).stdout) as { layers: Record<string, number> };
    expect(outputs.layers).toEqual({ chat: 37, code: 20 });
  }, 120_000);

  it("does show a change of the plan (a larger code context)", async () => {
    const config = p2Config();
    writeStackFile(project, "p2", {
      ...config,
      "local-ai-suite:paths": { ...(config["local-ai-suite:paths"] as object), modelsDir },
      "local-ai-suite:inference": { chat: { nGpuLayers: "auto" }, code: { nGpuLayers: "auto", ctxSize: 4096 } },
    });
    const run = await runWithEvents(project, ["preview"], ["--stack", "p2", "--expect-no-changes"]);
    expect(run.code).not.toBe(0);
    const changed = steps(run).filter((s) => s.op !== "same").map((s) => s.urn.slice(s.urn.lastIndexOf("::") + 2)).sort();
    expect(changed).toEqual(expect.arrayContaining(["gpu-plan", "inference-code"]));
  }, 120_000);
});
