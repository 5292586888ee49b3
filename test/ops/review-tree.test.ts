/** npm run review's planning: a base commit planned with its own code and config in a temporary worktree. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planTree, worktreeAt } from "../../ops/review/plan-tree";
import { reviewExitCode, reviewMarkdown } from "../../lib/review/markdown";
import { buildReview } from "../../lib/review/review";
import { stackFileConfig } from "../../ops/offline-pack/mock-program";
import { packVerdicts } from "../../ops/review/pack-verdicts";
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

  it("reads a secret the stack file sets by its ciphertext's digest: a new ciphertext is a rotation, and so is a set key where a generated one was", async () => {
    const tree = worktreeAt(PROJECT_DIR, "HEAD");
    try {
      const file = path.join(tree.dir, "Pulumi.p2.yaml");
      const original = fs.readFileSync(file, "utf8");
      const base = await planTree(tree.dir, "p2");
      const withSecrets = (cipher: string) =>
        `${original.trimEnd()}\n  local-ai-suite:gatewayMasterKey:\n    secure: ${cipher}\n  local-ai-suite:qdrantApiKey:\n    secure: v1:qk\n`;
      fs.writeFileSync(file, withSecrets("v1:first"));
      const set = await planTree(tree.dir, "p2");
      fs.writeFileSync(file, withSecrets("v1:second"));
      const rotated = await planTree(tree.dir, "p2");
      if (!("plan" in base && "plan" in set && "plan" in rotated)) throw new Error("a plan was refused");
      expect(Object.keys(set.secrets!).sort()).toEqual(["gatewayMasterKey", "qdrantApiKey"]);
      expect(JSON.stringify(set.secrets)).not.toContain("first");
      // A key set where a generated one was is a rotation too; a new ciphertext of the master key replaces its readers.
      const rag = buildReview("p2", base, set).changes.find((c) => c.service === "rag")!;
      expect(rag.fields.map((f) => f.field)).toEqual(expect.arrayContaining(["secret gatewayMasterKey", "secret qdrantApiKey"]));
      const rotation = buildReview("p2", set, rotated).changes;
      expect(rotation.length).toBeGreaterThan(0);
      expect(rotation.every((c) => c.action === "replace" && c.fields.map((f) => f.field).join() === "secret gatewayMasterKey")).toBe(true);
    } finally {
      tree.remove();
    }
  }, 60_000);

  it("sees a change to a locally built image's source: that image's container is replaced, its siblings' are not", async () => {
    const tree = worktreeAt(PROJECT_DIR, "HEAD");
    try {
      const base = await planTree(tree.dir, "p2");
      fs.appendFileSync(path.join(tree.dir, "services", "rag", "src", "main.ts"), "\n// a change\n");
      const head = await planTree(tree.dir, "p2");
      const changes = buildReview("p2", base, head).changes;
      expect(changes.map((c) => [c.service, c.action, c.fields.map((f) => f.field)])).toEqual([["rag", "replace", ["image source"]]]);
    } finally {
      tree.remove();
    }
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

describe("the policy pack's verdicts on the working tree's plan, without the engine", () => {
  it("p2 as committed: every mandatory policy passes", async () => {
    const verdicts = await packVerdicts("p2");
    expect(verdicts.filter((v) => v.level === "mandatory")).toEqual([]);
    expect(verdicts.map((v) => v.policy)).toContain("startup-critical-path-report");
  }, 60_000);

  it("a plan the program accepts but the pack refuses (every port on 0.0.0.0) fails the review, naming each container", async () => {
    const verdicts = await packVerdicts("p2", { ...stackFileConfig("p2"), "local-ai-suite:bindAddress": "0.0.0.0" });
    const refused = verdicts.filter((v) => v.level === "mandatory");
    expect(new Set(refused.map((v) => v.policy))).toEqual(new Set(["container-ports-loopback"]));
    expect(refused.map((v) => v.resource)).toContain("suite-gateway-api-gateway-container");
    const tree = worktreeAt(PROJECT_DIR, "HEAD");
    try {
      const plan = await planTree(tree.dir, "p2");
      const review = buildReview("p2", plan, plan, verdicts);
      expect(reviewExitCode(review)).toBe(1);
      expect(reviewMarkdown(review)).toMatch(/\*\*\d+ mandatory violation\(s\)\*\*[^]*- mandatory `container-ports-loopback` on suite-/);
    } finally {
      tree.remove();
    }
  }, 60_000);
});
