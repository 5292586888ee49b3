/**
 * Runs the policy pack against a mock-captured stack the way the CrossGuard
 * analyzer does on a first `pulumi preview`: every resource through every
 * resource policy (the checked inputs, values from resources not created yet
 * unknown), then the whole graph through every stack policy (the provider's
 * planned outputs: nulls for unset fields, computed fields unknown), in one
 * module instance as in the analyzer's one process. Config = schema defaults +
 * the stack's --policy-pack-config file; enforcement resolved as the CLI does
 * (per-policy entry, then `all`, then the policy's own level, then advisory).
 * The shapes come from engine-view.ts, which a real-engine test keeps honest
 * (test/engine/policy-shapes.test.ts). The policy tests use it on mutated
 * stacks; `npm run review` on the head's plan.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type {
  EnforcementLevel,
  Policy,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { parseGoDuration } from "../../lib/durations";
import { policies } from "../../policies/policies";
import { forgetRecordedInputs } from "../../policies/support/recorded-inputs";
import { PROJECT_DIR, type CapturedResource, type CapturedStack } from "./mock-program";
import { asEngineProps, resourcePolicyProps, stackPolicyProps } from "./engine-view";

export const POLICIES_DIR = path.join(PROJECT_DIR, "policies");

/**
 * The @pulumi/policy the pack itself resolves: policies/node_modules after
 * `npm ci --prefix policies`, else the root's. Its UnknownValueError and proxy
 * are the ones the policies throw and see, so the harness must use the same copy.
 */
export function packSdk(): typeof import("@pulumi/policy") {
  // The pack's own copy, resolved at run time: a static import would take the root's.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve("@pulumi/policy", { paths: [POLICIES_DIR] }));
}

/** The SDK's internal unknown sentinels (what the engine sends for unknowns; not in its .d.ts). */
export function packUnknowns(): { unknownStringValue: string; unknownArrayValue: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve("@pulumi/policy/proxy", { paths: [POLICIES_DIR] }));
}

export type PolicyConfigEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
export type PackConfig = Record<string, PolicyConfigEntry>;

export interface Violation {
  policy: string;
  level: EnforcementLevel;
  message: string;
  /** The resource the violation points at (resource policies: the validated one). */
  urn?: string;
}

export function packConfigFile(stack: string): string {
  return path.join(PROJECT_DIR, "policies", "config", `${stack}.json`);
}

export function loadPackConfig(stack: string): PackConfig {
  return JSON.parse(fs.readFileSync(packConfigFile(stack), "utf8")) as PackConfig;
}

export function enforcementLevel(policy: Policy, config: PackConfig): EnforcementLevel {
  const entry = config[policy.name];
  const own = typeof entry === "string" ? entry : entry?.enforcementLevel;
  const all = config.all;
  return own ?? (typeof all === "string" ? all : all?.enforcementLevel) ?? policy.enforcementLevel ?? "advisory";
}

/** What args.getConfig() returns under the CLI: schema defaults overlaid by the file's entry, minus enforcementLevel. */
export function policyConfig(policy: Policy, config: PackConfig): Record<string, unknown> {
  const defaults = Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {})
      .filter(([, schema]) => schema.default !== undefined)
      .map(([key, schema]) => [key, structuredClone(schema.default)]),
  );
  const entry = config[policy.name];
  const { enforcementLevel: _level, ...values } = typeof entry === "object" ? entry : {};
  return { ...defaults, ...structuredClone(values) };
}

class NotApplicable extends Error {}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

function seconds(duration: string | undefined): number {
  return duration ? (parseGoDuration(duration) ?? 0) / 1000 : 0;
}

export function policyOptions(r: CapturedResource): PolicyResourceOptions {
  const t = r.options.customTimeouts;
  return {
    protect: r.options.protect,
    ignoreChanges: r.options.ignoreChanges,
    deleteBeforeReplace: r.options.deleteBeforeReplace,
    aliases: [],
    customTimeouts: { createSeconds: seconds(t?.create), updateSeconds: seconds(t?.update), deleteSeconds: seconds(t?.delete) },
    additionalSecretOutputs: r.options.additionalSecretOutputs,
    parent: r.parent || undefined,
  };
}

const isTypeOf = (type: string) => (cls: { new (...rest: any[]): unknown }) =>
  (cls as unknown as { __pulumiType?: string }).__pulumiType === type;

/** Props as a policy receives them, given the whole captured stack. */
export type PropsView = (r: CapturedResource, all: readonly CapturedResource[]) => Record<string, any>;
const engineProps =
  (shape: typeof resourcePolicyProps): PropsView =>
  (r, all) =>
    asEngineProps(shape(r, all), packSdk(), packUnknowns());
/** What resource policies get on a first preview. */
export const resourcePolicyView: PropsView = engineProps(resourcePolicyProps);
/** What stack policies get on a first preview. */
export const stackPolicyView: PropsView = engineProps(stackPolicyProps);

/** What a policy sees of one resource in either kind of policy: its identity, props, options and type tests. */
function policyView(r: CapturedResource, all: readonly CapturedResource[], props: PropsView) {
  const p = props(r, all);
  return {
    type: r.type,
    props: p,
    urn: r.urn,
    name: r.name,
    opts: policyOptions(r),
    isType: isTypeOf(r.type),
    asType: ((cls: any) => (isTypeOf(r.type)(cls) ? p : undefined)) as ResourceValidationArgs["asType"] & PolicyResource["asType"],
  };
}

export function resourceArgs(
  r: CapturedResource,
  all: readonly CapturedResource[],
  config: Record<string, unknown>,
  props: PropsView = resourcePolicyView,
): ResourceValidationArgs {
  return {
    ...policyView(r, all, props),
    stackTags: new Map(),
    getConfig: <T extends object>() => structuredClone(config) as T,
    notApplicable,
  };
}

/** The stack as the analyzer resolves it: parent, dependencies and propertyDependencies as object references. */
export function policyResources(captured: CapturedStack, props: PropsView = stackPolicyView): PolicyResource[] {
  const resources = captured.resources.map<PolicyResource>((r) => ({
    ...policyView(r, captured.resources, props),
    dependencies: [],
    propertyDependencies: {},
  }));
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  captured.resources.forEach((r, i) => {
    const resource = resources[i]!;
    resource.parent = byUrn.get(r.parent);
    resource.dependencies = r.dependencies.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
    resource.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies).map(([k, urns]) => [
        k,
        urns.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined),
      ]),
    );
  });
  return resources;
}

export function stackArgs(captured: CapturedStack, config: Record<string, unknown>, props?: PropsView): StackValidationArgs {
  return {
    resources: policyResources(captured, props),
    stackTags: new Map(),
    getConfig: <T extends object>() => structuredClone(config) as T,
    notApplicable,
  };
}

const isStackPolicy = (p: Policy): p is StackValidationPolicy => "validateStack" in p;

export interface RunOptions {
  /** Only these policies' violations (every enabled policy still runs, as in the analyzer). */
  only?: string[];
}

/** Every violation the pack reports for `captured` under `config`, as the analyzer would (unknowns become advisory notes). */
export async function runPolicies(captured: CapturedStack, config: PackConfig, options: RunOptions = {}): Promise<Violation[]> {
  forgetRecordedInputs();
  const out: Violation[] = [];
  const enabled = policies
    .map((policy) => ({ policy, level: enforcementLevel(policy, config) }))
    .filter(({ level }) => level !== "disabled")
    .map(({ policy, level }) => ({
      policy,
      level: (level === "remediate" ? "mandatory" : level) as EnforcementLevel,
      settings: policyConfig(policy, config),
    }));
  const report = (policy: Policy, violation: Violation) => {
    if (!options.only || options.only.includes(policy.name)) out.push(violation);
  };
  const run = async (policy: Policy, fn: () => Promise<void> | void, urn?: string) => {
    try {
      await fn();
    } catch (error) {
      if (error instanceof NotApplicable) return;
      if (error instanceof packSdk().UnknownValueError) {
        report(policy, {
          policy: policy.name,
          level: "advisory",
          message: `can't run policy '${policy.name}' during preview: ${(error as Error).message}`,
          urn,
        });
        return;
      }
      throw error;
    }
  };
  // The analyzer: each resource through the resource policies as it is registered, then the stack policies once.
  for (const r of captured.resources) {
    for (const { policy, level, settings } of enabled.filter(({ policy }) => !isStackPolicy(policy))) {
      for (const validate of [(policy as ResourceValidationPolicy).validateResource ?? []].flat()) {
        await run(
          policy,
          () =>
            validate(resourceArgs(r, captured.resources, settings), (message) =>
              report(policy, { policy: policy.name, level, message, urn: r.urn }),
            ),
          r.urn,
        );
      }
    }
  }
  for (const { policy, level, settings } of enabled.filter(({ policy }) => isStackPolicy(policy))) {
    await run(policy, () =>
      (policy as StackValidationPolicy).validateStack(stackArgs(captured, settings), (message, urn) =>
        report(policy, { policy: policy.name, level, message, urn }),
      ),
    );
  }
  return out;
}
