/**
 * container-image-pinned: Kyverno disallow-latest-tag / Checkov CKV_DOCKER_7.
 * A container's `image` is usually the image id of a RemoteImage, so the tag is
 * checked where it is written: the image resource's name, or the container's
 * image when it is a literal reference. The rule itself is lib/images.ts's
 * imagePinProblem, the same one the stack config schema applies.
 *
 * Where the image lock (images.lock.json, lib/images-lock.ts) pins a digest for
 * the tag, the reference must carry that digest too: a moved tag then cannot
 * change what runs. The policy config's `digests` adds pins of the stack's own.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { IMAGE_ID, imagePinProblem } from "../lib/images";
import { committedImageLock, imageDigestProblem, type ImageLock } from "../lib/images-lock";
import { knownPart, rethrowUnknown } from "./support/known";
import { BUILT_IMAGE, CONTAINER, REMOTE_IMAGE } from "./support/resource-types";

/** The reference the resource pulls or runs, and where it is written; undefined for an image id. */
function referenceOf(type: string, props: Record<string, unknown>): { ref: string; field: string } | undefined {
  const field = type === REMOTE_IMAGE ? "name" : type === BUILT_IMAGE ? "imageName" : "image";
  const ref = props[field];
  if (typeof ref !== "string" || (type === CONTAINER && IMAGE_ID.test(ref))) return undefined;
  return { ref, field };
}

interface PinConfig {
  digests?: Record<string, string>;
}

/** The committed image lock, with the stack's own pins from the policy config over it. */
function packImageLock(config: PinConfig): ImageLock {
  const lock = committedImageLock();
  const extra = Object.entries(config.digests ?? {}).map(([ref, digest]) => [ref, { digest, source: "policy config digests" }]);
  return extra.length ? { ...lock, images: { ...lock.images, ...Object.fromEntries(extra) } } : lock;
}

export const containerImagePinned: ResourceValidationPolicy = {
  name: "container-image-pinned",
  description:
    "Checks that every image a container runs is pinned to a version tag or sha256 digest (no latest, main-latest, rolling llama.cpp tags or missing tags), and carries the digest images.lock.json pins for its tag.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      digests: {
        type: "object",
        description: "Digests this stack pins on top of images.lock.json, by repository:tag.",
        additionalProperties: { type: "string", pattern: "^sha256:[0-9a-f]{64}$" },
        default: {},
      },
    },
  },
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
    const digestProblem =
      reference && args.type !== BUILT_IMAGE && imageDigestProblem(reference.ref, packImageLock(args.getConfig<PinConfig>()));
    if (reference && digestProblem) {
      reportViolation(
        `${args.name}: image "${reference.ref}" (${reference.field}) is not pinned by digest: ${digestProblem}. ` +
          `Fix: keep the tag the lock pins (the plan then pulls it by digest), or run npm run images:lock where the registry is reachable after changing a tag.`,
      );
    }
    rethrowUnknown(unknown, ["name", "imageName"]);
  },
};
