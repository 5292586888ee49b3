/**
 * The shape every per-object Kubernetes policy shares (like container-check.ts
 * for Docker): skip objects that run no pods, read the object as a PodView,
 * report each problem, then let an unknown value under the fields read surface.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { rethrowUnknown } from "./known";
import { podView, type PodView } from "./kubernetes-view";

export type PodCheck<C> = (pod: PodView, config: C) => string[];

export function podCheck<C extends object>(check: PodCheck<C>, reads: readonly string[] = ["spec", "metadata"]): NonNullable<ResourceValidationPolicy["validateResource"]> {
  return (args, reportViolation) => {
    const pod = podView(args);
    if (!pod) return args.notApplicable("applies to Kubernetes objects that run pods only");
    if (pod.outsideOperation) return args.notApplicable("not part of this operation (outside --target)");
    for (const problem of check(pod, args.getConfig<C>())) reportViolation(problem);
    rethrowUnknown(pod.unknown, reads);
  };
}
