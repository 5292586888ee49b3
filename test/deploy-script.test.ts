/** scripts/deploy.sh, run with a stand-in `pulumi` that records what it is asked to do. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "./support/pulumi-harness";

function deploy(args: string[], env: Record<string, string> = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-home-"));
  const log = path.join(home, "pulumi-calls.log");
  const fake = path.join(home, "pulumi");
  fs.writeFileSync(fake, `#!/usr/bin/env bash\necho "$*" >> "${log}"\necho "PASS_FILE=\${PULUMI_CONFIG_PASSPHRASE_FILE:-}" >> "${log}"\n`, {
    mode: 0o755,
  });
  const result = spawnSync("bash", ["scripts/deploy.sh", ...args], {
    cwd: PROJECT_DIR,
    env: { PATH: process.env.PATH!, HOME: home, PULUMI: fake, SKIP_NPM_CI: "1", SKIP_MODEL_PULL: "1", ...env },
    encoding: "utf8",
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  return { ...result, calls, home };
}

describe("deploy.sh", () => {
  it("logs into a local file backend, creates the stack and runs up with the stack's policy config", () => {
    const run = deploy(["p2", "--yes"]);
    expect(run.status, run.stderr).toBe(0);
    const commands = run.calls.filter((l) => !l.startsWith("PASS_FILE="));
    expect(commands).toEqual([
      `login file://${run.home}/.pulumi-local-ai-suite`,
      "stack select p2 --create --secrets-provider passphrase",
      "up --stack p2 --policy-pack policies --policy-pack-config policies/config/p2.json --yes",
    ]);
    const passFile = `${run.home}/.pulumi-local-ai-suite/passphrase`;
    expect(run.calls).toContain(`PASS_FILE=${passFile}`);
    expect(fs.statSync(passFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(passFile, "utf8").trim().length).toBeGreaterThanOrEqual(40);
  });

  it("keeps an existing passphrase and an explicit backend", () => {
    const run = deploy(["p3"], { PULUMI_BACKEND_URL: "file:///srv/state", PULUMI_CONFIG_PASSPHRASE: "x" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls[0]).toBe("login file:///srv/state");
    expect(run.calls).toContain("PASS_FILE=");
  });

  it("refuses an unknown stack and says which exist", () => {
    const run = deploy(["p9"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/stacks: .*p2.*p3/);
    expect(run.calls).toEqual([]);
  });

  it("says how to install the CLI when it is missing", () => {
    const run = deploy(["p2"], { PULUMI: "definitely-not-pulumi" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("get.pulumi.com");
  });
});
