/**
 * `npm run review -- --base <git ref> [--stack p2|p2-router|p3|k8s|all]`: what a change does to the running
 * stack, from the code alone (no state, no secrets, no Docker, no model files). Plans the base commit with its
 * own code and config in a temporary worktree, and the working tree as it is; runs the policy pack on the
 * working tree's plan under mocks; prints a Markdown review (lib/review). Exit 1 when the new plan is refused
 * or a mandatory verdict fails.
 */
import { parseArgs } from "node:util";
import { reviewMarkdown, reviewExitCode } from "../lib/review/markdown";
import { buildReview } from "../lib/review/review";
import { knownStacks } from "../ops/stack-file";
import { packVerdicts } from "../ops/review/pack-verdicts";
import { planTree, REVIEW_ASSUMPTIONS, worktreeAt } from "../ops/review/plan-tree";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { base: { type: "string" }, stack: { type: "string", default: "p2" } } });
  if (!values.base) {
    process.stderr.write("usage: npm run review -- --base <git ref> [--stack p2|p2-router|p3|k8s|all]\n");
    return 2;
  }
  const repo = process.cwd();
  const stacks = values.stack === "all" ? knownStacks(repo) : [values.stack!];
  const base = worktreeAt(repo, values.base);
  let exit = 0;
  try {
    for (const stack of stacks) {
      const head = await planTree(repo, stack);
      const review = buildReview(stack, await planTree(base.dir, stack), head, "plan" in head ? await packVerdicts(stack) : undefined);
      const notes = [
        `base ${values.base}, head: this working tree. Planned without state, secrets or Docker: engine API ${REVIEW_ASSUMPTIONS.engineApiVersion} assumed where docker.engineApiVersion is auto; a secret the stack file sets is compared by its ciphertext's digest, never decrypted.`,
      ];
      process.stdout.write(`${reviewMarkdown(review, notes)}\n`);
      exit = Math.max(exit, reviewExitCode(review));
    }
  } finally {
    base.remove();
  }
  return exit;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`review failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
