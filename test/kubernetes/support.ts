/** Plans the committed Kubernetes stack (Pulumi.k8s.yaml), optionally with config overrides merged in. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { parseStackConfig, rawFromStackFile } from "../../lib/config/load";
import type { StackConfig } from "../../lib/config/schema";
import { kubernetesPlanConfig, planKubernetes, type KubernetesPlan, type KubernetesServicePlan } from "../../lib/kubernetes/plan";
import { planStack, type StackPlan } from "../../lib/plan/stack-plan";
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

export function k8sRawConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return merge(rawFromStackFile(path.join(PROJECT_DIR, "Pulumi.k8s.yaml")), overrides) as Record<string, unknown>;
}

export function k8sConfig(overrides: Record<string, unknown> = {}): StackConfig {
  return parseStackConfig(k8sRawConfig(overrides), "k8s test config");
}

export interface Planned {
  config: StackConfig;
  plan: StackPlan;
  k: KubernetesPlan;
}

export async function planK8s(overrides: Record<string, unknown> = {}, stack = "k8s"): Promise<Planned> {
  const config = k8sConfig(overrides);
  const plan = planStack(kubernetesPlanConfig(config), { stack, projectDir: PROJECT_DIR, lock: REPO_LOCK });
  return { config, plan, k: planKubernetes(plan, config) };
}

export function svc(k: KubernetesPlan, name: string): KubernetesServicePlan {
  const found = k.services.find((s) => s.service === name);
  if (!found) throw new Error(`no service ${name}; have ${k.services.map((s) => s.service).join(", ")}`);
  return found;
}

/** Pulumi.k8s.yaml's `config:` map narrowed to the p2 service set (inference, gateway, Qdrant, embedding, RAG), for real-engine tests. */
export function p2OnKubernetes(): Record<string, unknown> {
  const { config } = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.k8s.yaml"), "utf8")) as { config: Record<string, unknown> };
  const p2 = Object.fromEntries(Object.entries(config).filter(([k]) => !/:(mcp|memory|monitoring|gateway)$/.test(k)));
  return { ...p2, "local-ai-suite:phase": "p2" };
}
