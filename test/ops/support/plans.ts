/** Plans for the operations tests: the real stack files through the real planner, or a planned stack with hand-built services added. */
import * as path from "node:path";
import { defineService, planContext } from "../../../lib/plan/define-service";
import { pythonProbe } from "../../../lib/plan/health";
import type { BindSpec, GroupName, ServiceSpec } from "../../../lib/plan/service-spec";
import type { StackPlan } from "../../../lib/plan/stack-plan";
import { loadStack } from "../../../ops/stack";

export const PROJECT_DIR = path.resolve(__dirname, "../../..");

export async function planOf(stack: string, sets: string[] = []): Promise<StackPlan> {
  return (await loadStack(stack, PROJECT_DIR, sets)).plan;
}

/** A service spec as a p3 planner would make it, through the same defineService. */
export async function handBuiltService(
  base: StackPlan,
  draft: {
    service: string;
    group: GroupName;
    env?: Record<string, string>;
    binds?: BindSpec[];
    dependsOn?: string[];
    port?: { internal: number; external: number };
  },
): Promise<ServiceSpec> {
  const { config } = await loadStack(base.stack, PROJECT_DIR);
  const ctx = planContext(config, { stack: base.stack, projectDir: PROJECT_DIR });
  return defineService(ctx, {
    service: draft.service,
    group: draft.group,
    image: { kind: "registry", ref: "example/test:1@sha256:" + "0".repeat(64) },
    env: draft.env,
    ports: draft.port ? [{ ...draft.port, configKey: `${draft.service}.hostPort` }] : [],
    binds: draft.binds,
    healthcheck: pythonProbe(`http://127.0.0.1:${draft.port?.internal ?? 9}/health`),
    dependsOn: draft.dependsOn,
    limits: { memoryMiB: 256, cpus: 1 },
  });
}

/** `base` with extra services appended (after their dependencies, as start order requires). */
export function withServices(base: StackPlan, extra: ServiceSpec[]): StackPlan {
  return { ...base, services: [...base.services, ...extra] };
}
