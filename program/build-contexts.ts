/**
 * Every local build context the stack uses must be on this machine: a preview
 * warns (a PR runner may lack a sibling checkout it will never build from), an
 * `up` stops before creating anything, naming the service, the path and the fix.
 * Each one present is digested, so that a change to its source rebuilds the image.
 */
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { buildContexts, missingContextFix, type BuildContext } from "../lib/plan/build-contexts";
import type { StackPlan } from "../lib/plan/stack-plan";
import { buildContextDigest } from "./build-context-digest";

/** The plan with each locally built image's source digest (where its context is on this machine). */
export function withSourceDigests(plan: StackPlan): StackPlan {
  return {
    ...plan,
    services: plan.services.map((s) => {
      if (s.image.kind !== "build") return s;
      const sourceDigest = buildContextDigest(s.image.context, s.image.dockerfile);
      return sourceDigest ? { ...s, image: { ...s.image, sourceDigest } } : s;
    }),
  };
}

export function missingBuildContexts(plan: StackPlan, exists: (file: string) => boolean = fs.existsSync): BuildContext[] {
  return buildContexts(plan).filter((b) => !exists(b.context) || !exists(b.dockerfile));
}

export function describeMissing(missing: readonly BuildContext[]): string {
  return missing
    .map(
      (m) =>
        `  - ${m.service}: build context ${m.context} (${m.configKey}) has no ${m.dockerfile.slice(m.context.length + 1) || "Dockerfile"}\n      fix: ${missingContextFix(m)}`,
    )
    .join("\n");
}

export function checkBuildContexts(plan: StackPlan): void {
  const missing = missingBuildContexts(plan);
  if (missing.length === 0) return;
  const text = `Missing build context${missing.length > 1 ? "s" : ""} (${missing.length}):\n${describeMissing(missing)}`;
  if (pulumi.runtime.isDryRun()) pulumi.log.warn(`${text}\n  (a preview can go on; \`pulumi up\` stops here)`);
  else throw new pulumi.RunError(text);
}
