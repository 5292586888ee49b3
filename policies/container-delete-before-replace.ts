/**
 * container-delete-before-replace: Pulumi replaces create-first by default. A
 * container with a fixed name or a published host port cannot coexist with its
 * replacement (name conflict, port already allocated), so the replace fails
 * half-way unless the old one is deleted first.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { knownPart, rethrowUnknown } from "./support/known";
import { CONTAINER } from "./support/resource-types";
import type { ContainerProps } from "./support/container-view";

export const containerDeleteBeforeReplace: ResourceValidationPolicy = {
  name: "container-delete-before-replace",
  description: "Checks that containers with a fixed name or a published host port are replaced delete-first (deleteBeforeReplace: true).",
  enforcementLevel: "mandatory",
  severity: "medium",
  validateResource: (args, reportViolation) => {
    if (args.type !== CONTAINER) return args.notApplicable(`applies to ${CONTAINER} only`);
    const { value: props, unknown } = knownPart(args.props as ContainerProps);
    const reasons = [
      props.name ? `fixed name "${props.name}"` : undefined,
      ...(props.ports ?? []).map((p) => `host port ${p.external ?? p.internal}`),
    ].filter((r): r is string => r !== undefined);
    if (reasons.length && args.opts.deleteBeforeReplace !== true) {
      reportViolation(
        `${args.name} has ${reasons.join(", ")}, but deleteBeforeReplace is not set, so a replacement fails on the name or port the old container still holds. ` +
          `Fix: pass { deleteBeforeReplace: true } in its resource options (components/service.ts does).`,
      );
    }
    rethrowUnknown(unknown, ["name", "ports"]);
  },
};
