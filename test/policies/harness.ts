/** The offline policy pack (ops/offline-pack/run-pack.ts, shared with `npm run review`), and what the policy tests mutate and read. */
import type { CapturedResource, CapturedStack } from "../../ops/offline-pack/mock-program";
import type { Violation } from "../../ops/offline-pack/run-pack";

export * from "../../ops/offline-pack/run-pack";

export const mandatory = (violations: Violation[]) => violations.filter((v) => v.level === "mandatory");
export const ofPolicy = (violations: Violation[], name: string) => violations.filter((v) => v.policy === name);

/** A deep copy of the captured stack to mutate. */
export function copyStack(captured: CapturedStack): CapturedStack {
  return structuredClone(captured);
}

export function container(captured: CapturedStack, containerName: string): CapturedResource {
  const found = captured.resources.find((r) => r.type === "docker:index/container:Container" && r.inputs.name === containerName);
  if (!found) throw new Error(`no container ${containerName}`);
  return found;
}

/** Sets `flag`'s value in an argv (the flag must be present). */
export function setFlag(argv: string[], flag: string, value: string): void {
  const i = argv.indexOf(flag);
  if (i < 0) throw new Error(`${flag} not in ${argv.join(" ")}`);
  argv[i + 1] = value;
}
