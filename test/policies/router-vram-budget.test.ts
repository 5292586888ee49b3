/**
 * gpu-vram-budget on a llama-server router (Pulumi.p2-router.yaml): the claim
 * is the router process plus its worst set of --models-max models, each
 * estimated from the preset section the container really receives, and only
 * the preset's models, all of them locked, may load.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { gpuVramBudget, vramClaims, type VramBudgetConfig } from "../../policies/gpu-vram-budget";
import { stackContainers } from "../../policies/support/stack-containers";
import { ROUTER_PRESET_PATH } from "../../lib/plan/llama-router";
import { runStackFile, type CapturedStack } from "../support/pulumi-harness";
import { container, copyStack, loadPackConfig, mandatory, ofPolicy, policyConfig, runPolicies, setFlag, stackArgs } from "./harness";

const POLICY = "gpu-vram-budget";
let routed: CapturedStack;
const config = () => loadPackConfig("p2-router");

beforeAll(async () => {
  routed = await runStackFile("p2-router");
});

async function vram(stack: CapturedStack): Promise<string[]> {
  return ofPolicy(mandatory(await runPolicies(stack, config(), { only: [POLICY] })), POLICY).map((v) => v.message);
}

/** The router's preset upload, to mutate in place. */
function preset(stack: CapturedStack): { file: string; content: string } {
  const uploads = container(stack, "inference-chat").inputs.uploads as { file: string; content: string }[];
  return uploads.find((u) => u.file === ROUTER_PRESET_PATH)!;
}

/** Replaces `key = ...` inside section [name] of the preset. */
function setPresetKey(stack: CapturedStack, section: string, key: string, value: string): void {
  const upload = preset(stack);
  const start = upload.content.indexOf(`[${section}]`);
  const end = upload.content.indexOf("\n[", start + 1);
  const body = upload.content.slice(start, end < 0 ? undefined : end);
  if (!body.includes(`\n${key} = `)) throw new Error(`no ${key} in [${section}]`);
  upload.content = upload.content.replace(body, body.replace(new RegExp(`\\n${key} = [^\\n]*`), `\n${key} = ${value}`));
}

describe("a router's VRAM claim", () => {
  it("is the plan's worst set: the router process plus the largest model (maxLoaded 1), the same figure the GPU plan shows", async () => {
    const packConfig = policyConfig(gpuVramBudget, config()) as unknown as VramBudgetConfig;
    const { claims, findings } = vramClaims(stackContainers(stackArgs(routed, {}).resources).views, packConfig);
    expect(findings).toEqual([]);
    const planned = (routed.outputs.gpuPlan as { routers: { service: string; worstMiB: number; worstSet: string[] }[] }[])[0]!.routers[0]!;
    expect(planned.worstSet).toEqual(["code-7b"]);
    const claim = claims.find((c) => c.container.service === "inference-chat")!;
    expect(claim.mib).toBe(planned.worstMiB);
    expect(claim.breakdown).toMatch(/^router, at most 1 loaded: [\d.]+ MiB = router 300 \+ code-7b [\d.]+ \(worst of 3 set\(s\) of 1\)$/);
    expect(await vram(routed)).toEqual([]);
  });

  it("refuses a preset whose worst set no longer fits: one model's context raised", async () => {
    const mutated = copyStack(routed);
    setPresetKey(mutated, "code-7b", "ctx-size", "32768");
    const messages = await vram(mutated);
    expect(messages).toEqual([expect.stringMatching(/^GPU "0" .* is over budget: .*inference-chat: router, at most 1 loaded: .*code-7b/)]);
  });

  it("counts --models-max from the router's argv: two loaded at once no longer fit", async () => {
    const mutated = copyStack(routed);
    setFlag(container(mutated, "inference-chat").inputs.command, "--models-max", "2");
    expect(await vram(mutated)).toEqual([expect.stringMatching(/over budget: .*worst of 3 set\(s\) of 2/)]);
  });

  it("refuses a router that could load a model the lock lacks", async () => {
    const mutated = copyStack(routed);
    setPresetKey(mutated, "chat-3b", "model", "/models/unlocked-70b.gguf");
    expect(await vram(mutated)).toEqual([
      expect.stringMatching(/may load model \[chat-3b\], whose VRAM cannot be estimated.*unlocked-70b/),
    ]);
  });

  it("refuses --models-dir, a section without a model, and keys outside any section", async () => {
    const mutated = copyStack(routed);
    container(mutated, "inference-chat").inputs.command.push("--models-dir", "/models");
    const upload = preset(mutated);
    upload.content = `version = 1\n${upload.content}\n[nested]\nctx-size = 512\n`;
    const messages = await vram(mutated);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/given --models-dir, so it may load any GGUF file/),
        expect.stringMatching(/keys outside any section \(line 1: version\)/),
        expect.stringMatching(/section \[nested\] names no model/),
      ]),
    );
  });

  it("refuses a router whose preset is not shipped with the container", async () => {
    const mutated = copyStack(routed);
    container(mutated, "inference-chat").inputs.uploads = [];
    expect(await vram(mutated)).toEqual([expect.stringMatching(/is not among the files shipped into the container/)]);
  });
});
