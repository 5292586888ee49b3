/** Runs a host command without a shell; a missing binary or a failure becomes a plain result, never a throw. */
import { execFile } from "node:child_process";

export interface CommandResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** Set when the binary could not be started at all (ENOENT: not installed). */
  notFound: boolean;
}

export function runCommand(
  command: string,
  args: string[],
  options: { timeoutMs?: number; cwd?: string; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { timeout: options.timeoutMs ?? 15_000, cwd: options.cwd, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        resolve({
          ok: !error,
          stdout: String(stdout),
          stderr: String(stderr) || (error && !stderr ? error.message : ""),
          notFound: code === "ENOENT",
        });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The first line of a command's output (its error message, usually). */
export function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
