/**
 * The policy pack's verdicts on the working tree's plan of a stack, without
 * the engine: the program runs under Pulumi's mocks and the pack runs on what
 * it registered, shaped as on a first `pulumi preview` (ops/offline-pack). A
 * stack secret is its stack-file value, still encrypted (the program only
 * needs it to be there); a value only a deployment knows is unknown, and a
 * policy that needs one says so as an advisory note, as it would at preview.
 */
import * as fs from "node:fs";
import type { PackVerdict } from "../../lib/review/review";
import { runProgram, stackFileConfig } from "../offline-pack/mock-program";
import { loadPackConfig, packConfigFile, runPolicies } from "../offline-pack/run-pack";

/** `config`: the program's config as Pulumi passes it (default: the stack file's). */
export async function packVerdicts(stack: string, config = stackFileConfig(stack)): Promise<PackVerdict[]> {
  if (!fs.existsSync(packConfigFile(stack))) {
    return [{ policy: "(pack config)", level: "mandatory", message: `no ${packConfigFile(stack)}: every stack needs its policy config` }];
  }
  const captured = await runProgram({ stack, config, preview: true });
  const names = new Map(captured.resources.map((r) => [r.urn, r.name]));
  return (await runPolicies(captured, loadPackConfig(stack))).map((v) => ({
    policy: v.policy,
    level: v.level,
    message: v.message,
    ...(v.urn && names.has(v.urn) ? { resource: names.get(v.urn)! } : {}),
  }));
}
