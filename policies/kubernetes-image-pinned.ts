/**
 * kubernetes-image-pinned: every container and init container of a pod runs a
 * pinned image, by the same rule as container-image-pinned and the config
 * schema (lib/images.ts imagePinProblem), with the digest images.lock.json pins
 * for its tag where it pins one (lib/images-lock.ts).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { imagePinProblem } from "../lib/images";
import { committedImageLock, imageDigestProblem } from "../lib/images-lock";
import { podCheck } from "./support/kubernetes-check";
import { describePod, type PodView } from "./support/kubernetes-view";

export function imageProblems(pod: PodView): string[] {
  return pod.containers.flatMap((c) => {
    const problem =
      c.image === undefined ? "it names no image" : (imagePinProblem(c.image) ?? imageDigestProblem(c.image, committedImageLock()));
    return problem
      ? [
          `${describePod(pod)}, container "${c.name ?? "?"}": image "${c.image ?? ""}" is not pinned: ${problem}. Fix: pin a version tag or a sha256 digest (the service's image/source key, or PINNED_IMAGES in lib/images.ts).`,
        ]
      : [];
  });
}

export const kubernetesImagePinned: ResourceValidationPolicy = {
  name: "kubernetes-image-pinned",
  description:
    "Checks that every image a Kubernetes pod runs is pinned to a version tag or sha256 digest (no latest, rolling llama.cpp tags or missing tags), with the digest images.lock.json pins for its tag.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: podCheck(imageProblems),
};
