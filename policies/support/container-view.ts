/**
 * A docker.Container as the policies see it: its props copied as plain data
 * (unknown preview values left out and remembered), plus what several policies
 * need derived once: the service it is, its names on the network, its env as a
 * map, and the image reference it runs.
 *
 * Resource policies get the inputs the program sent (after the provider's
 * check). Stack policies get the provider's planned outputs; on a first preview
 * those leave every computed field unknown. The stack view decides them from
 * what is known (see resolvePlannedUnknowns).
 */
import type * as docker from "@pulumi/docker";
import type { PolicyResource, PolicyResourceOptions } from "@pulumi/policy";
import type { Unwrap } from "@pulumi/pulumi";
import { knownPart, type UnknownValue } from "./known";
import { recordedInputs } from "./recorded-inputs";
import { BUILT_IMAGE, REMOTE_IMAGE, SERVICE_LABEL } from "./resource-types";
import { IMAGE_ID } from "../../lib/images";

export type ContainerProps = Partial<Unwrap<docker.ContainerArgs>>;

export interface ContainerView {
  urn: string;
  /** Pulumi resource name. */
  resourceName: string;
  /** The service label, else the container name, else the resource name: what messages call it. */
  service: string;
  props: ContainerProps;
  opts: PolicyResourceOptions;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** Every name other containers can reach it by: container name, network aliases, service label. */
  names: string[];
  /** Image reference (repo:tag or @digest): the `image` prop when it is one, else the image resource it came from. */
  imageRef?: string;
  unknown: UnknownValue[];
  /**
   * The engine handed no properties: the resource is not part of this operation
   * (`--target` elsewhere). It is left as deployed, so its own checks are skipped.
   */
  outsideOperation: boolean;
}

interface PolicyInput {
  urn: string;
  name: string;
  props: Record<string, unknown>;
  opts: PolicyResourceOptions;
}

/** Builds the view from a resource policy's props (no graph: imageRef only when `image` is a literal reference). */
export function containerView(input: PolicyInput, imageResource?: PolicyResource, planned?: PlannedContext): ContainerView {
  const known = knownPart(input.props as ContainerProps);
  const props = known.value;
  const unknown = planned ? resolvePlannedUnknowns(props as Record<string, unknown>, known.unknown, planned) : known.unknown;
  const env = parseEnv(props.envs ?? []);
  const labels = Object.fromEntries((props.labels ?? []).filter((l) => l?.label).map((l) => [l.label, l.value ?? ""]));
  const aliases = (props.networksAdvanced ?? []).flatMap((n) => n?.aliases ?? []);
  const service = labels[SERVICE_LABEL] ?? props.name ?? input.name;
  const imageRef = imageRefOf(props.image, imageResource, unknown);
  // An unknown image id does not matter once the image resource names the reference.
  const stillUnknown = imageRef === undefined ? unknown : unknown.filter((u) => u.path !== "image");
  const names = [...new Set([props.name, ...aliases, labels[SERVICE_LABEL]].filter((n): n is string => typeof n === "string" && n !== ""))];
  return {
    urn: input.urn,
    resourceName: input.name,
    service,
    props,
    opts: input.opts,
    env,
    labels,
    names,
    imageRef,
    unknown: stillUnknown,
    outsideOperation: Object.keys(props).length === 0 && known.unknown.length === 0,
  };
}

/** The view of a container inside a stack policy, resolving its image through `propertyDependencies.image`. */
export function containerViewInStack(r: PolicyResource): ContainerView {
  const image = (r.propertyDependencies.image ?? []).find((d) => d.type === REMOTE_IMAGE || d.type === BUILT_IMAGE);
  return containerView(r, image, { recorded: recordedInputs(r.urn), propertyDependencies: r.propertyDependencies });
}

interface PlannedContext {
  /** The inputs the resource policies recorded for this container in the same run, if any. */
  recorded?: { value: Record<string, unknown>; unknown: UnknownValue[] };
  propertyDependencies: Record<string, PolicyResource[]>;
}

/**
 * Planned outputs of a container that does not exist yet leave each computed
 * field unknown. Per field, the rule applied:
 * - the program sent it: take the recorded input (known but for the values that
 *   come from other resources, e.g. a generated key in `envs`);
 * - the program did not send it and nothing feeds it (no property dependency):
 *   the provider fills it from the image or the engine (entrypoint, command,
 *   runtime, hostname, ...), so it is unset as far as the program is concerned;
 * - otherwise it stays unknown, and a check that reads it says it could not run.
 * Mutates `props`; returns what is still unknown.
 */
function resolvePlannedUnknowns(props: Record<string, unknown>, unknown: UnknownValue[], planned: PlannedContext): UnknownValue[] {
  const fields = [...new Set(unknown.map((u) => u.path.split(".")[0]!))];
  const still: UnknownValue[] = [];
  for (const field of fields) {
    const recorded = planned.recorded;
    if (recorded && (field in recorded.value || recorded.unknown.some((u) => u.path === field || u.path.startsWith(`${field}.`)))) {
      if (field in recorded.value) props[field] = recorded.value[field];
      else delete props[field];
      still.push(...recorded.unknown.filter((u) => u.path === field || u.path.startsWith(`${field}.`)));
      continue;
    }
    if ((planned.propertyDependencies[field] ?? []).length === 0) continue;
    still.push(...unknown.filter((u) => u.path === field || u.path.startsWith(`${field}.`)));
  }
  return still;
}

/** `sha256:...` image ids say nothing about the tag; the image resource's name does. */
function imageRefOf(image: string | undefined, imageResource: PolicyResource | undefined, unknown: UnknownValue[]): string | undefined {
  if (image && !IMAGE_ID.test(image)) return image;
  if (!imageResource) return undefined;
  const { value, unknown: more } = knownPart(imageResource.props as { name?: string; imageName?: string });
  // Only the reference matters here; the image id and digest are unknown until the pull.
  unknown.push(...more.filter((u) => u.path === "name" || u.path === "imageName").map((u) => ({ ...u, path: `image.${u.path}` })));
  return value.name ?? value.imageName;
}

export function parseEnv(envs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of envs) {
    if (typeof entry !== "string") continue;
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    else env[entry] = "";
  }
  return env;
}

/** `container "rag"` (plus the container name when it differs from the service). */
export function describeContainer(c: ContainerView): string {
  return c.props.name && c.props.name !== c.service ? `container "${c.props.name}" (service ${c.service})` : `container "${c.service}"`;
}
