/**
 * Names, labels and annotations the Kubernetes mapping writes and the policy
 * pack reads: one definition for both sides.
 */
import { SERVICE_LABEL, STACK_LABEL } from "../plan/define-service";

export { SERVICE_LABEL, STACK_LABEL };
/** The Pulumi kubernetes provider's annotation that skips its readiness await. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
/** The NVIDIA device plugin's extended resource. */
export const GPU_RESOURCE = "nvidia.com/gpu";
/** The well-known node label the kubelet sets to the node's name. */
export const HOSTNAME_LABEL = "kubernetes.io/hostname";
export const PART_OF_LABEL = "app.kubernetes.io/part-of";
export const NAME_LABEL = "app.kubernetes.io/name";
/** The taint GPU node pools commonly carry (the GPU operator's docs, managed node pools); GPU pods tolerate it. */
export const GPU_TAINT_KEY = "nvidia.com/gpu";

/** What a label value may be (63 characters, alphanumeric at both ends). */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** The labels that select one service's pods of one stack (selectors are immutable: nothing else goes in). */
export function selectorLabels(stack: string, service: string): Record<string, string> {
  return { [STACK_LABEL]: stack, [SERVICE_LABEL]: service };
}

/** Labels on every object of the stack. */
export function stackLabels(stack: string): Record<string, string> {
  return { [STACK_LABEL]: stack, [PART_OF_LABEL]: "local-ai-suite" };
}

/** A name made of lowercase alphanumerics and '-' (RFC 1123), from any text. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
