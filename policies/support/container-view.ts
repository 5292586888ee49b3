/**
 * A docker.Container as the policies see it: its props copied as plain data
 * (unknown preview values left out and remembered), plus what several policies
 * need derived once: the service it is, its names on the network, its env as a
 * map, and the image reference it runs.
 */
import type * as docker from "@pulumi/docker";
import type { PolicyResource, PolicyResourceOptions } from "@pulumi/policy";
import type { Unwrap } from "@pulumi/pulumi";
import { knownPart, type UnknownValue } from "./known";
import { REMOTE_IMAGE, BUILT_IMAGE, SERVICE_LABEL } from "./resource-types";

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
}

/** Builds the view from a resource policy's props (no graph: imageRef only when `image` is a literal reference). */
export function containerView(
  input: { urn: string; name: string; props: Record<string, unknown>; opts: PolicyResourceOptions },
  imageResource?: PolicyResource,
): ContainerView {
  const { value: props, unknown } = knownPart(input.props as ContainerProps);
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
  };
}

/** The view of a container inside a stack policy, resolving its image through `propertyDependencies.image`. */
export function containerViewInStack(r: PolicyResource): ContainerView {
  const image = (r.propertyDependencies.image ?? []).find((d) => d.type === REMOTE_IMAGE || d.type === BUILT_IMAGE);
  return containerView(r, image);
}

/** `sha256:...` image ids say nothing about the tag; the image resource's name does. */
function imageRefOf(image: string | undefined, imageResource: PolicyResource | undefined, unknown: UnknownValue[]): string | undefined {
  if (image && !/^sha256:[0-9a-f]{64}$/.test(image)) return image;
  if (!imageResource) return undefined;
  const { value, unknown: more } = knownPart(imageResource.props as { name?: string; imageName?: string });
  unknown.push(...more.map((u) => ({ ...u, path: `image.${u.path}` })));
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
