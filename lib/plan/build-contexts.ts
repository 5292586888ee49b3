/**
 * The local build contexts a stack needs, and what to tell a user who lacks
 * one. Pure: the program (program/build-contexts.ts) and `doctor` look at the
 * disk.
 */
import * as path from "node:path";
import type { StackPlan } from "./stack-plan";

export interface BuildContext {
  service: string;
  context: string;
  /** The Dockerfile, absolute. */
  dockerfile: string;
  configKey: string;
}

export function buildContexts(plan: StackPlan): BuildContext[] {
  return plan.services.flatMap((s) =>
    s.image.kind === "build"
      ? [
          {
            service: s.service,
            context: s.image.context,
            dockerfile: path.resolve(s.image.context, s.image.dockerfile),
            configKey: s.image.configKey,
          },
        ]
      : [],
  );
}

/** The reference checkout the original services build from. */
const REFERENCE_CHECKOUT = /\/local-ai-suite\/services\//;

export function missingContextFix(missing: BuildContext): string {
  const image = `pulumi config set --path '${missing.configKey}.image' <registry/image:pinned-tag>`;
  if (REFERENCE_CHECKOUT.test(missing.context)) {
    return `clone the reference next to this repository (git clone https://github.com/sunbangamen/local-ai-suite ${path.resolve(missing.context, "../../")}), or use a built image: ${image}`;
  }
  return `restore ${missing.context} (a fresh clone has it), point ${missing.configKey}.build.context at a checkout, or use a built image: ${image}`;
}
