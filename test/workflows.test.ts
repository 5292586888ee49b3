/** The GitHub workflows, checked by actionlint (pinned; scripts/actionlint.sh builds it from the Go module proxy). */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_DIR } from "./support/pulumi-cli";

const WORKFLOWS = path.join(REPO_DIR, ".github", "workflows");

function actionlint(args: string[]): { code: number; output: string } {
  const run = spawnSync("bash", [path.join(REPO_DIR, "scripts", "actionlint.sh"), "-no-color", ...args], {
    cwd: REPO_DIR,
    encoding: "utf8",
    timeout: 300_000,
  });
  if (run.status === 127) throw new Error(`actionlint is not available: ${run.stderr}`);
  return { code: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

describe("the workflow files", () => {
  it("pass actionlint v1.7.12", () => {
    expect(spawnSync("bash", [path.join(REPO_DIR, "scripts", "actionlint.sh"), "-version"], { encoding: "utf8" }).stdout).toMatch(
      /^v1\.7\.12\n/,
    );
    const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const result = actionlint(files.map((f) => path.join(WORKFLOWS, f)));
    expect(result, result.output).toEqual({ code: 0, output: "" });
  }, 300_000);

  it("would fail a workflow that needs a job it does not define or reads a context that does not exist", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
    const broken = fs
      .readFileSync(path.join(WORKFLOWS, "preview.yml"), "utf8")
      .replace(/\n {4}runs-on:/, "\n    needs: [no-such-job]\n    runs-on:")
      .replace("${{ github.", "${{ github.no_such_context.");
    fs.writeFileSync(path.join(dir, "preview.yml"), broken);
    const result = actionlint([path.join(dir, "preview.yml")]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/no-such-job/);
    expect(result.output).toMatch(/no_such_context/);
  }, 300_000);
});
