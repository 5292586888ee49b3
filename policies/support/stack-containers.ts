/** The stack's containers as the stack policies see them, with their container-to-container dependencies. */
import type { PolicyResource } from "@pulumi/policy";
import { containerViewInStack, type ContainerView } from "./container-view";
import { CONTAINER } from "./resource-types";

export interface StackContainers {
  /** Containers this operation creates, updates or keeps: the ones the policies judge. */
  views: ContainerView[];
  /** Containers outside the operation (`--target` elsewhere): left as deployed, only known as dependencies. */
  outside: ContainerView[];
  /** Containers each container depends on (declared `dependsOn` or property dependencies). */
  dependsOn: Map<ContainerView, ContainerView[]>;
  /** The engine's resource behind each view (property dependencies, parents). */
  resources: Map<ContainerView, PolicyResource>;
}

/** Containers of the stack and their container-to-container dependency edges. */
export function stackContainers(resources: readonly PolicyResource[]): StackContainers {
  const containers = resources.filter((r) => r.type === CONTAINER);
  const all = containers.map(containerViewInStack);
  const byUrn = new Map(all.map((v) => [v.urn, v]));
  const dependsOn = new Map(
    containers.map((r, i) => [
      all[i]!,
      [...new Set(r.dependencies.map((d) => byUrn.get(d.urn)).filter((d): d is ContainerView => d !== undefined))],
    ]),
  );
  return {
    views: all.filter((v) => !v.outsideOperation),
    outside: all.filter((v) => v.outsideOperation),
    dependsOn,
    resources: new Map(containers.map((r, i) => [all[i]!, r])),
  };
}
