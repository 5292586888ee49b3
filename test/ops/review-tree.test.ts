/** npm run review's planning: a base commit planned with its own code and config in a temporary worktree. */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { planTree, worktreeAt } from "../../ops/review/plan-tree";
import { buildReview } from "../../lib/review/review";
import { PROJECT_DIR } from "../support/pulumi-harness";

describe("planning a commit in a worktree", () => {
  it("plans HEAD's p2 with HEAD's own code, config and lock, build contexts relative to the tree, and removes the worktree", async () => {
    const tree = worktreeAt(PROJECT_DIR, "HEAD");
    try {
      const base = await planTree(tree.dir, "p2");
      expect("plan" in base).toBe(true);
      if (!("plan" in base)) return;
      expect(base.plan.gpuPlan.gpus[0]!.estimatedMiB).toBe(5642);
      const rag = base.plan.services.find((s) => s.service === "rag")!;
      expect(rag.image).toMatchObject({ kind: "build", context: "services" });
      // The same commit's plan, planned from two directories, is no change at all.
      const again = await planTree(tree.dir, "p2");
      expect(buildReview("p2", base, again).changes).toEqual([]);
    } finally {
      tree.remove();
    }
    expect(fs.existsSync(tree.dir)).toBe(false);
  }, 60_000);

  it("names a stack the commit has no stack file for, and still removes the worktree", async () => {
    const tree = worktreeAt(PROJECT_DIR, "HEAD");
    try {
      await expect(planTree(tree.dir, "no-such-stack")).rejects.toThrow(/No stack file .*Pulumi\.no-such-stack\.yaml/);
    } finally {
      tree.remove();
    }
  }, 60_000);
});
