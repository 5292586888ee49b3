/** A stack secret for the operations tasks: from the environment, else `pulumi config get` (which decrypts it), else unset. */
import { QDRANT_API_KEY_ENV, QDRANT_KEY_FILE, QDRANT_SERVICE, qdrantKeyInConfig } from "../lib/plan/qdrant";
import type { StackPlan } from "../lib/plan/stack-plan";
import { containerFileText, inspectContainer } from "./docker-cli";
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

/**
 * Qdrant's key where neither the environment nor the stack config has it: a
 * generated key (qdrant.requireKey) lives only in state and in the running
 * Qdrant container's config file, which the operator's Docker access can read
 * (`docker exec`); a container from before the key moved there has it in env.
 */
export async function qdrantKeyFromContainer(
  plan: StackPlan,
  found: { value?: string; from: string },
): Promise<{ value?: string; from: string }> {
  if (found.value) return found;
  const qdrant = plan.services.find((s) => s.service === QDRANT_SERVICE);
  if (!qdrant || !qdrant.files.some((f) => f.path === QDRANT_KEY_FILE.path)) return found;
  const fromFile = qdrantKeyInConfig(await containerFileText(qdrant.containerName, QDRANT_KEY_FILE.path));
  if (fromFile) return { value: fromFile, from: `${qdrant.containerName}:${QDRANT_KEY_FILE.path}` };
  const inspect = (await inspectContainer(qdrant.containerName)) as { Config?: { Env?: string[] } } | undefined;
  const entry = inspect?.Config?.Env?.find((e) => e.startsWith(`${QDRANT_API_KEY_ENV}=`));
  return entry ? { value: entry.slice(QDRANT_API_KEY_ENV.length + 1), from: `${qdrant.containerName}'s env` } : found;
}
