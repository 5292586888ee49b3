/**
 * What the resource policies saw of each container, kept for the stack
 * policies of the same run. Stack policies get the provider's planned outputs,
 * where a field that mixes plain values with one value from another resource
 * (an env list holding a generated key) is unknown as a whole on a first
 * preview; resource policies get the same field as the program sent it, known
 * but for that one entry. The analyzer runs every resource's policies before
 * the stack policies, in one process, so recording them by URN is enough.
 */
import { knownPart, type Known } from "./known";

const recorded = new Map<string, Known<Record<string, unknown>>>();

export function recordInputs(urn: string, props: Record<string, unknown>): void {
  recorded.set(urn, knownPart(props));
}

export function recordedInputs(urn: string): Known<Record<string, unknown>> | undefined {
  return recorded.get(urn);
}

/** For tests that run several stacks through the same pack module. */
export function forgetRecordedInputs(): void {
  recorded.clear();
}
