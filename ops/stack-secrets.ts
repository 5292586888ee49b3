/** A stack secret for the operations tasks: from the environment, else `pulumi config get` (which decrypts it), else unset. */
import { runCommand } from "./run-command";

export async function readStackSecret(
  key: string,
  envVar: string,
  stack: string,
  projectDir: string,
  env = process.env,
): Promise<{ value?: string; from: string }> {
  const fromEnv = env[envVar];
  if (fromEnv) return { value: fromEnv, from: `$${envVar}` };
  const result = await runCommand("pulumi", ["config", "get", key, "--stack", stack], { cwd: projectDir, timeoutMs: 30_000 });
  if (result.ok && result.stdout.trim()) return { value: result.stdout.trim(), from: `pulumi config ${key}` };
  return { from: "not set" };
}
