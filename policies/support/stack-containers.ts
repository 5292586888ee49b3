/** The stack's containers as the stack policies see them, with their container-to-container dependencies. */
import type { PolicyResource } from "@pulumi/policy";
import { containerViewInStack, type ContainerView } from "./container-view";
import { CONTAINER } from "./resource-types";

export interface StackContainers {
  views: ContainerView[];
  /** Containers each container depends on (declared `dependsOn` or property dependencies). */
  dependsOn: Map<ContainerView, ContainerView[]>;
}

/** Containers of the stack and their container-to-container dependency edges. */
export function stackContainers(resources: readonly PolicyResource[]): StackContainers {
  const containers = resources.filter((r) => r.type === CONTAINER);
  const views = containers.map(containerViewInStack);
  const byUrn = new Map(views.map((v) => [v.urn, v]));
  const dependsOn = new Map(
    containers.map((r, i) => [views[i]!, [...new Set(r.dependencies.map((d) => byUrn.get(d.urn)).filter((d): d is ContainerView => d !== undefined))]]),
  );
  return { views, dependsOn };
}
