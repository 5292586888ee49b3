/**
 * The shape every per-container policy shares: skip other resource types, read
 * the container as a ContainerView, report each problem the check finds, then
 * let a preview-unknown value in a field the check reads surface (the SDK turns
 * it into an advisory "cannot run during preview" note). Only the check differs.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containerView, type ContainerView } from "./container-view";
import { rethrowUnknown } from "./known";
import { recordInputs } from "./recorded-inputs";
import { CONTAINER } from "./resource-types";

export type ContainerCheck<C> = (container: ContainerView, config: C) => string[];

export function containerCheck<C extends object>(
  check: ContainerCheck<C>,
  /** Top-level props the check reads; an unknown value in one of them means it could not decide. */
  reads: readonly string[],
): NonNullable<ResourceValidationPolicy["validateResource"]> {
  return (args, reportViolation) => {
    if (args.type !== CONTAINER) return args.notApplicable(`applies to ${CONTAINER} only`);
    recordInputs(args.urn, args.props);
    const container = containerView(args);
    if (container.outsideOperation) return args.notApplicable("not part of this operation (outside --target)");
    for (const problem of check(container, args.getConfig<C>())) reportViolation(problem);
    rethrowUnknown(container.unknown, [...reads, "labels"]);
  };
}
