/**
 * Runs the policy pack against a mock-captured stack the way the CrossGuard
 * analyzer would: every resource through every resource policy, the whole
 * graph through every stack policy, with config = schema defaults + the stack's
 * --policy-pack-config file, and enforcement resolved as the CLI does
 * (per-policy entry, then `all`, then the policy's own level, then advisory).
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
import { PROJECT_DIR, type CapturedResource, type CapturedStack } from "../support/pulumi-harness";

export const POLICIES_DIR = path.join(PROJECT_DIR, "policies");

/**
 * The @pulumi/policy the pack itself resolves: policies/node_modules after
 * `npm ci --prefix policies`, else the root's. Its UnknownValueError and proxy
 * are the ones the policies throw and see, so the harness must use the same copy.
 */
export function packSdk(): typeof import("@pulumi/policy") {
  return require(require.resolve("@pulumi/policy", { paths: [POLICIES_DIR] }));
}

/** The SDK's internal unknown sentinels (what the engine sends for unknowns; not in its .d.ts). */
export function packUnknowns(): { unknownStringValue: string; unknownArrayValue: string } {
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

const isTypeOf = (type: string) => (cls: { new (...rest: any[]): unknown }) => (cls as unknown as { __pulumiType?: string }).__pulumiType === type;

/** Props as a policy receives them; tests pass a wrapper (e.g. unknownCheckingProxy) to simulate preview. */
export type PropsView = (r: CapturedResource) => Record<string, any>;
const plainProps: PropsView = (r) => structuredClone(r.inputs);

/** What a policy sees of one resource in either kind of policy: its identity, props, options and type tests. */
function policyView(r: CapturedResource, props: PropsView) {
  const p = props(r);
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

export function resourceArgs(r: CapturedResource, config: Record<string, unknown>, props: PropsView = plainProps): ResourceValidationArgs {
  return {
    ...policyView(r, props),
    stackTags: new Map(),
    getConfig: <T extends object>() => structuredClone(config) as T,
    notApplicable,
  };
}

/** The stack as the analyzer resolves it: parent, dependencies and propertyDependencies as object references. */
export function policyResources(captured: CapturedStack, props: PropsView = plainProps): PolicyResource[] {
  const resources = captured.resources.map<PolicyResource>((r) => ({ ...policyView(r, props), dependencies: [], propertyDependencies: {} }));
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  captured.resources.forEach((r, i) => {
    const resource = resources[i]!;
    resource.parent = byUrn.get(r.parent);
    resource.dependencies = r.dependencies.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
    resource.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies).map(([k, urns]) => [k, urns.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined)]),
    );
  });
  return resources;
}

export function stackArgs(captured: CapturedStack, config: Record<string, unknown>, props?: PropsView): StackValidationArgs {
  return { resources: policyResources(captured, props), stackTags: new Map(), getConfig: <T extends object>() => structuredClone(config) as T, notApplicable };
}

const isStackPolicy = (p: Policy): p is StackValidationPolicy => "validateStack" in p;

export interface RunOptions {
  /** Only these policies. */
  only?: string[];
  props?: PropsView;
}

/** Every violation the pack reports for `captured` under `config`, as the analyzer would (unknowns become advisory notes). */
export async function runPolicies(captured: CapturedStack, config: PackConfig, options: RunOptions = {}): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const policy of policies.filter((p) => !options.only || options.only.includes(p.name))) {
    const level = enforcementLevel(policy, config);
    if (level === "disabled") continue;
    const effective: EnforcementLevel = level === "remediate" ? "mandatory" : level;
    const settings = policyConfig(policy, config);
    const run = async (fn: () => Promise<void> | void, urn?: string) => {
      try {
        await fn();
      } catch (error) {
        if (error instanceof NotApplicable) return;
        if (error instanceof packSdk().UnknownValueError) {
          out.push({ policy: policy.name, level: "advisory", message: `can't run policy '${policy.name}' during preview: ${(error as Error).message}`, urn });
          return;
        }
        throw error;
      }
    };
    if (isStackPolicy(policy)) {
      await run(() => policy.validateStack(stackArgs(captured, settings, options.props), (message, urn) => out.push({ policy: policy.name, level: effective, message, urn })));
      continue;
    }
    const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
    for (const r of captured.resources) {
      for (const validate of validations) {
        await run(() => validate(resourceArgs(r, settings, options.props), (message) => out.push({ policy: policy.name, level: effective, message, urn: r.urn })), r.urn);
      }
    }
  }
  return out;
}

export const mandatory = (violations: Violation[]) => violations.filter((v) => v.level === "mandatory");
export const ofPolicy = (violations: Violation[], name: string) => violations.filter((v) => v.policy === name);

/** A deep copy of the captured stack to mutate. */
export function copyStack(captured: CapturedStack): CapturedStack {
  return structuredClone(captured);
}

export function container(captured: CapturedStack, containerName: string): CapturedResource {
  const found = captured.resources.find((r) => r.type === "docker:index/container:Container" && r.inputs.name === containerName);
  if (!found) throw new Error(`no container ${containerName}`);
  return found;
}

/** Sets `flag`'s value in an argv (the flag must be present). */
export function setFlag(argv: string[], flag: string, value: string): void {
  const i = argv.indexOf(flag);
  if (i < 0) throw new Error(`${flag} not in ${argv.join(" ")}`);
  argv[i + 1] = value;
}
