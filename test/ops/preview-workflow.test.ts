/**
 * The PR preview workflow refers to real things: every stack file is previewed,
 * each with a policy config that exists, and the pack directory exists. A rename
 * on either side breaks this test rather than the PR job.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./support/plans";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  strategy: { matrix: { stack: string[] } };
  env: Record<string, string>;
  environment?: string;
  steps: Step[];
}

const workflow = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows/preview.yml"), "utf8")) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const job = workflow.jobs.preview!;
const pulumiStep = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
const stacksInRepo = fs
  .readdirSync(PROJECT_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

describe("PR preview workflow", () => {
  it("runs on pull requests and may comment on them", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(workflow.permissions["pull-requests"]).toBe("write");
  });

  it("previews every stack that has a stack file", () => {
    expect([...job.strategy.matrix.stack].sort()).toEqual([...stacksInRepo].sort());
    expect(stacksInRepo).toEqual(expect.arrayContaining(["p2", "p3"]));
  });

  it("pins every action to a full commit SHA, with the release it is in a comment", () => {
    const text = fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows/preview.yml"), "utf8");
    const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBe(Object.values(workflow.jobs).flatMap((j) => j.steps.filter((s) => s.uses)).length);
    for (const [, ref, rest] of uses) {
      expect(ref, "a tag or branch can be moved to other code; pin the commit").toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(rest, `${ref}: say which release the commit is`).toMatch(/# v\d+\.\d+\.\d+/);
    }
  });

  it("previews against the real backend only: never a throwaway one, never a stack it would create (no upsert)", () => {
    expect(pulumiStep.uses).toMatch(/^pulumi\/actions@[0-9a-f]{40}$/);
    expect(pulumiStep.with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", "comment-on-pr": true, diff: true });
    expect(pulumiStep.with!.upsert).toBeUndefined();
    expect(pulumiStep.with!["cloud-url"]).toBe("${{ secrets.PULUMI_BACKEND_URL }}");
    // Without the backend secret the job says so and stops before anything runs.
    const gate = job.steps[0]!;
    expect(gate.run).toMatch(/-z "\$PULUMI_BACKEND_URL"[\s\S]*::notice::No PULUMI_BACKEND_URL secret/);
    for (const step of job.steps.slice(1)) expect((step as { if?: string }).if).toBe("steps.state.outputs.available == 'true'");
  });

  it("runs the PR's code with the real passphrase only in the protected environment a maintainer approves", () => {
    expect(job.environment).toBe("preview");
    expect(job.env.PULUMI_CONFIG_PASSPHRASE).toBe("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    const review = workflow.jobs.review!;
    expect(JSON.stringify(review)).not.toMatch(/secrets\./);
  });

  it("reviews every PR, forks included, with npm run review against its base, into the job summary; comments only where the token may write", () => {
    const review = workflow.jobs.review!;
    const run = review.steps.map((s) => s.run ?? "").join("\n");
    expect(run).toMatch(/npm run -s review -- --base "\$BASE_SHA" --stack all > review\.md/);
    expect(run).toContain('cat review.md >> "$GITHUB_STEP_SUMMARY"');
    const comment = review.steps.find((s) => /gh pr comment/.test(s.run ?? "")) as { if?: string; run: string };
    expect(comment.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(comment.run).toContain("--edit-last");
    expect(review.steps[0]!.with).toMatchObject({ "fetch-depth": 0 });
    // The review runs the pack under mocks with the pack's own SDK copy, as the CLI would load it.
    expect(run).toMatch(/npm ci [^\n]*--prefix policies/);
  });

  it("the policy pack directory exists and is a pack", () => {
    const pack = String(pulumiStep.with!.policyPacks);
    expect(fs.existsSync(path.join(PROJECT_DIR, pack, "PulumiPolicy.yaml"))).toBe(true);
    expect(fs.existsSync(path.join(PROJECT_DIR, pack, "package.json"))).toBe(true);
  });

  it.each(stacksInRepo)("stack %s has the policy config the workflow passes, and it is JSON", (stack) => {
    const config = String(pulumiStep.with!.policyPackConfigs).replace("${{ matrix.stack }}", stack);
    const file = path.join(PROJECT_DIR, config);
    expect(fs.existsSync(file), `${config} is missing`).toBe(true);
    expect(() => JSON.parse(fs.readFileSync(file, "utf8"))).not.toThrow();
  });

  it("installs the program's and the pack's dependencies before previewing", () => {
    const runs = job.steps.slice(0, job.steps.indexOf(pulumiStep)).map((s) => s.run ?? "");
    expect(runs.some((r) => /^npm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => r.includes("--prefix policies"))).toBe(true);
  });
});
