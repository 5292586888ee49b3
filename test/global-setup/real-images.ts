/**
 * Vitest global setup of `npm test`: builds the real programs' images once, before
 * any worker starts (scripts/build-real-images.sh; cached by content, so a run
 * after the first takes seconds), and the test models they serve. Test files then
 * only check that the images are there (test/support/real-images.ts).
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { ensureTinyModels } from "../support/real-models/test-lock";

export default async function setup(): Promise<void> {
  const started = Date.now();
  const out = execFileSync("bash", [path.join(__dirname, "..", "..", "scripts", "build-real-images.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 60 * 60_000,
  });
  await ensureTinyModels();
  console.log(`real images (${Math.round((Date.now() - started) / 1000)} s):\n${out.trim()}`);
}
