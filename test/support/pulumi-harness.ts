/**
 * The program under Pulumi's mocks (ops/offline-pack/mock-program.ts, shared
 * with `npm run review`), and the lookups the unit tests make on what it registered.
 */
import { encodeConfig, runProgram, stackFileConfig, type CapturedResource, type CapturedStack } from "../../ops/offline-pack/mock-program";

export {
  encodeConfig,
  PROJECT_DIR,
  runProgram,
  stackFileConfig,
  type CapturedOptions,
  type CapturedResource,
  type CapturedStack,
  type RunOptions,
} from "../../ops/offline-pack/mock-program";

/** Runs one of the committed stack files, with optional config overrides (short keys). */
export function runStackFile(
  stack: string,
  overrides: Record<string, unknown> = {},
  secrets?: Record<string, string>,
): Promise<CapturedStack> {
  return runProgram({ stack, config: { ...stackFileConfig(stack), ...encodeConfig(overrides) }, secrets });
}

export function containers(captured: CapturedStack): CapturedResource[] {
  return captured.resources.filter((r) => r.type === "docker:index/container:Container");
}

export function containerNamed(captured: CapturedStack, containerName: string): CapturedResource {
  const found = containers(captured).find((c) => c.inputs.name === containerName);
  if (!found)
    throw new Error(
      `no container named ${containerName}; have ${containers(captured)
        .map((c) => c.inputs.name)
        .join(", ")}`,
    );
  return found;
}

export function byUrn(captured: CapturedStack, urn: string): CapturedResource | undefined {
  return captured.resources.find((r) => r.urn === urn);
}

/** Names of the containers a container depends on (its health gates), sorted. */
export function dependencyNames(captured: CapturedStack, containerName: string): string[] {
  return containerNamed(captured, containerName)
    .dependencies.map((urn) => byUrn(captured, urn))
    .filter((r) => r?.type === "docker:index/container:Container")
    .map((r) => r!.inputs.name)
    .sort();
}
