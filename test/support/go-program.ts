/** Runs a one-file Go program of test/support on input lines and returns its output lines: Go's own parsing and formatting as the oracle. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export function runGoProgram(program: string, lines: string[]): string[] {
  const file = path.join(__dirname, program, "main.go");
  const result = spawnSync("go", ["run", file], { input: lines.join("\n") + "\n", encoding: "utf8", timeout: 120_000 });
  if (result.error) throw new Error(`go could not run (${result.error.message}); install Go (apt-get install golang-go) to run this test`);
  if (result.status !== 0) throw new Error(`go run ${program} failed: ${result.stderr}`);
  return result.stdout.trim().split("\n");
}
