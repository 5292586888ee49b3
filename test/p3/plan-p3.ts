/** Plans the committed p3 stack (Pulumi.p3.yaml), optionally with config overrides merged in. */
import * as path from "node:path";
import { parseStackConfig, rawFromStackFile } from "../../lib/config/load";
import type { StackConfig } from "../../lib/config/schema";
import type { ServiceSpec } from "../../lib/plan/service-spec";
import { planStack, type StackPlan, type StackSecrets } from "../../lib/plan/stack-plan";
import { REPO_LOCK } from "../support/model-lock";

export const PROJECT_DIR = path.resolve(__dirname, "../..");

function merge(base: unknown, over: unknown): unknown {
  if (over && typeof over === "object" && !Array.isArray(over) && base && typeof base === "object" && !Array.isArray(base)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
    return out;
  }
  return over;
}

export function p3Config(overrides: Record<string, unknown> = {}): StackConfig {
  const raw = merge(rawFromStackFile(path.join(PROJECT_DIR, "Pulumi.p3.yaml")), overrides) as Record<string, unknown>;
  return parseStackConfig(raw, "p3 test config");
}

export function planP3(overrides: Record<string, unknown> = {}, secrets: Partial<StackSecrets> = {}): StackPlan {
  return planStack(p3Config(overrides), { stack: "p3", projectDir: PROJECT_DIR, lock: REPO_LOCK, secrets });
}

export function service(plan: StackPlan, name: string): ServiceSpec {
  const found = plan.services.find((s) => s.service === name);
  if (!found) throw new Error(`no service ${name}; have ${plan.services.map((s) => s.service).join(", ")}`);
  return found;
}

export function file(spec: ServiceSpec, filePath: string) {
  const found = spec.files.find((f) => f.path === filePath);
  if (!found) throw new Error(`${spec.service} ships no ${filePath}; it ships ${spec.files.map((f) => f.path).join(", ")}`);
  return found;
}
