/**
 * container-image-pinned: Kyverno disallow-latest-tag / Checkov CKV_DOCKER_7.
 * A container's `image` is usually the image id of a RemoteImage, so the tag is
 * checked where it is written: the image resource's name, or the container's
 * image when it is a literal reference. The rule itself is lib/images.ts's
 * imagePinProblem, the same one the stack config schema applies.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { IMAGE_ID, imagePinProblem } from "../lib/images";
import { knownPart, rethrowUnknown } from "./support/known";
import { BUILT_IMAGE, CONTAINER, REMOTE_IMAGE } from "./support/resource-types";

/** The reference the resource pulls or runs, and where it is written; undefined for an image id. */
function referenceOf(type: string, props: Record<string, unknown>): { ref: string; field: string } | undefined {
  const field = type === REMOTE_IMAGE ? "name" : type === BUILT_IMAGE ? "imageName" : "image";
  const ref = props[field];
  if (typeof ref !== "string" || (type === CONTAINER && IMAGE_ID.test(ref))) return undefined;
  return { ref, field };
}

export const containerImagePinned: ResourceValidationPolicy = {
  name: "container-image-pinned",
  description:
    "Checks that every image a container runs is pinned to a version tag or sha256 digest (no latest, main-latest, rolling llama.cpp tags or missing tags).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (![CONTAINER, REMOTE_IMAGE, BUILT_IMAGE].includes(args.type)) return args.notApplicable("applies to containers and images only");
    const { value: props, unknown } = knownPart(args.props);
    const reference = referenceOf(args.type, props);
    const problem = reference && imagePinProblem(reference.ref);
    if (reference && problem) {
      reportViolation(
        `${args.name}: image "${reference.ref}" (${reference.field}) is not pinned: ${problem}. ` +
          `Fix: pin a version tag or a sha256 digest in the stack config (the service's image/source key) or in PINNED_IMAGES (lib/images.ts).`,
      );
    }
    rethrowUnknown(unknown, ["name", "imageName"]);
  },
};
