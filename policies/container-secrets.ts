/**
 * container-secrets: the gateway master key, the Grafana admin password and
 * the Qdrant API key are secrets, never plain config. The reference hard-coded
 * admin/admin, sk-noop and a keyless Qdrant (§9.2). A policy sees plain values,
 * so the rules are: a secret env var lives on a container whose `envs` is an
 * additional secret output (encrypted in state), its value is not a default or
 * weak, and it is not copied into argv, labels or uploaded files, where
 * it would be stored in plain text.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containerCheck } from "./support/container-check";
import { describeContainer, type ContainerView } from "./support/container-view";
import { isSecretEnvName, redact, secretArgs, secretLiteralsInText, weaknessOf } from "./support/secret-values";

export interface SecretsConfig {
  minLength: number;
  /** Env vars that hold secrets besides the built-in list and name shapes. */
  extraSecretEnvNames: string[];
  /** Values that look like keys but are documented placeholders (e.g. LiteLLM's key for a keyless upstream). */
  placeholderValues: string[];
  extraWeakValues: string[];
}

export function secretProblems(c: ContainerView, config: SecretsConfig): string[] {
  const where = describeContainer(c);
  const problems: string[] = [];
  const secrets = Object.entries(c.env).filter(([name]) => isSecretEnvName(name, config.extraSecretEnvNames));
  const encrypted = (c.opts.additionalSecretOutputs ?? []).includes("envs");
  for (const [name, value] of secrets) {
    if (!encrypted) {
      problems.push(
        `${where} passes secret ${name} in envs, but envs is not an additional secret output, so the value can land in state in plain text. ` +
          `Fix: take it from a secret config value (secretEnv in its ServiceSpec) so the Service component sets additionalSecretOutputs: ["envs"].`,
      );
    }
    const weakness = weaknessOf(value, config.minLength, config.extraWeakValues);
    if (weakness) {
      problems.push(`${where}: secret ${name} is weak: ${weakness}. Fix: pulumi config set --secret <key> "$(openssl rand -hex 24)", or unset it so the stack generates one.`);
    }
  }
  const plainTexts = [
    ...(c.props.command ?? []).map((t) => ({ text: t, field: "command" })),
    ...(c.props.entrypoints ?? []).map((t) => ({ text: t, field: "entrypoints" })),
    ...Object.entries(c.labels).map(([k, v]) => ({ text: `${k}=${v}`, field: `label ${k}` })),
    ...(c.props.uploads ?? []).map((u) => ({ text: u.content ?? "", field: `upload ${u.file}` })),
  ];
  for (const [name, value] of secrets) {
    if (value.length < 8) continue;
    const leak = plainTexts.find((t) => t.text.includes(value));
    if (leak) problems.push(`${where}: the value of secret ${name} (${redact(value)}) also appears in ${leak.field}, which is stored in plain text. Fix: reference the env var instead (e.g. os.environ/${name} in LiteLLM's YAML).`);
  }
  for (const upload of c.props.uploads ?? []) {
    for (const literal of secretLiteralsInText(upload.content ?? "", config.placeholderValues)) {
      problems.push(
        `${where}: uploaded file ${upload.file} holds a secret literal at ${literal.where}. ` +
          `Fix: reference an env var that comes from a secret (LiteLLM: os.environ/NAME; Grafana: $__env{NAME}), or add a documented placeholder to placeholderValues.`,
      );
    }
  }
  for (const arg of secretArgs([...(c.props.entrypoints ?? []), ...(c.props.command ?? [])], config.placeholderValues)) {
    problems.push(`${where} passes a secret on the command line (${arg}), visible in docker inspect and stored in plain text. Fix: pass it as a secret env var instead.`);
  }
  return problems;
}

export const containerSecrets: ResourceValidationPolicy = {
  name: "container-secrets",
  description: "Checks that secret env vars are encrypted in state, are not default or weak values, and are not copied into argv, labels or uploaded files.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: {
    properties: {
      minLength: { type: "integer", minimum: 8, default: 16 },
      extraSecretEnvNames: { type: "array", items: { type: "string" }, default: [] },
      placeholderValues: { type: "array", items: { type: "string" }, default: ["sk-no-key-required"] },
      extraWeakValues: { type: "array", items: { type: "string" }, default: [] },
    },
  },
  validateResource: containerCheck<SecretsConfig>(secretProblems, ["envs", "command", "entrypoints", "uploads"]),
};
