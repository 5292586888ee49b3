/**
 * `npm run e2e:up`: runs the real deploy suite (test/deploy/deploy.test.ts:
 * up, re-preview, change, failure, destroy of the p3 service set on this
 * Docker Engine) on its own and ends with its one-line summary. Exits 1 if
 * the suite failed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { e2eUpLine } from "../lib/report/e2e-up";

const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "e2e-up-")), "figures.json");
const run = spawnSync("npx", ["vitest", "run", "test/deploy/deploy.test.ts"], {
  stdio: "inherit",
  env: { ...process.env, E2E_UP_REPORT: report },
});
const figures = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, "utf8")) : {};
console.log(e2eUpLine(figures));
process.exit(run.status === 0 ? 0 : 1);
