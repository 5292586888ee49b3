/**
 * container-image-runtime: a container must be able to do, in its own image,
 * what the plan asks of it. Two classes the real images showed (issue 19):
 * - a probe that cannot run in its image: Loki is distroless since 3.6.0, so a
 *   wget or shell probe exits 127, Loki is never healthy and its dependents are
 *   never created;
 * - a PID 1 that does not pass the stop grace on: Qdrant's image starts a bash
 *   wrapper that exits as soon as it forwards SIGTERM, so Qdrant is killed
 *   mid-flush on every stop, replace and destroy.
 * The facts per image, with their sources, are lib/image-runtime.ts's.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { probeRunProblem, stopSignalProblem } from "../lib/image-runtime";
import { describeContainer, type ContainerView } from "./support/container-view";
import { rethrowUnknown } from "./support/known";
import { stackContainers } from "./support/stack-containers";

export function imageRuntimeProblems(c: ContainerView): string[] {
  if (c.outsideOperation || !c.imageRef) return [];
  const where = describeContainer(c);
  const problems: string[] = [];
  const probe = probeRunProblem(c.imageRef, c.props.healthcheck?.tests ?? []);
  if (probe)
    problems.push(
      `${where} can never be healthy: ${probe}. Fix: probe with a program the image has (for Loki, ["CMD", "/usr/bin/loki", "-health", "-health.url=http://127.0.0.1:3100/ready"]).`,
    );
  const stop = stopSignalProblem(c.imageRef, c.props.entrypoints ?? undefined);
  if (stop) problems.push(`${where} is killed mid-shutdown on every stop, replace and destroy: ${stop}.`);
  return problems;
}

export const containerImageRuntime: StackValidationPolicy = {
  name: "container-image-runtime",
  description:
    "Checks that each container's probe runs a program its image has, and that its PID 1 passes Docker's stop signal on to the server (facts per image in lib/image-runtime.ts).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const stack = stackContainers(args.resources);
    if (stack.views.length === 0) return args.notApplicable("the stack has no containers");
    for (const c of stack.views) for (const problem of imageRuntimeProblems(c)) reportViolation(problem, c.urn);
    rethrowUnknown(
      stack.views.flatMap((v) => v.unknown),
      ["healthcheck", "entrypoints", "image"],
    );
  },
};
