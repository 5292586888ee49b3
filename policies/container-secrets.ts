/**
 * container-secrets: the gateway master key, the Grafana admin password and
 * the Qdrant API key are secrets, never plain config. The reference hard-coded
 * admin/admin, sk-noop and a keyless Qdrant (in the reference docker-compose files, sunbangamen/local-ai-suite). A policy sees plain values,
 * so the rules are: a secret env var lives on a container whose `envs` is an
 * additional secret output (encrypted in state), its value is not a default or
 * weak, and it is not copied into argv, labels or uploaded files, where
 * it would be stored in plain text.
 *
 * A stack policy, so that a first preview reaches a verdict: a generated key is
 * unknown until the random provider creates it, but the RandomPassword that
 * will make it is in the graph, with its length and alphabet. An env entry
 * unknown at preview must come from such a generator, strong by construction;
 * once known (every `up`), the value itself is checked like any other.
 *
 * Where the image can read a secret from a file (Grafana's `__FILE`, our
 * services' `_FILE`, Qdrant's config files), the secret must be a file: env
 * shows in `docker inspect`. A secret file is judged for weakness like env.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { parseImageRef } from "../lib/images";
import {
  QDRANT_API_KEY_ENV,
  QDRANT_KEY_FILE,
  QDRANT_READ_ONLY_KEY_ENV,
  QDRANT_READ_ONLY_KEY_FILE,
  qdrantKeyInConfig,
} from "../lib/plan/qdrant";
import { describeContainer, type ContainerView } from "./support/container-view";
import { isUnknownEntryOf, knownPart, rethrowUnknown, unknownUploadContentIndex, type UnknownValue } from "./support/known";
import { RANDOM_PASSWORD } from "./support/resource-types";
import { isSecretEnvName, redact, secretArgs, secretLiteralsInText, weaknessOf } from "./support/secret-values";
import { stackContainers } from "./support/stack-containers";

export interface SecretsConfig {
  minLength: number;
  /** Env vars that hold secrets besides the built-in list and name shapes. */
  extraSecretEnvNames: string[];
  /** Values that look like keys but are documented placeholders (e.g. LiteLLM's key for a keyless upstream). */
  placeholderValues: string[];
  extraWeakValues: string[];
}

const repositoryOf = (c: ContainerView) => (c.imageRef ? parseImageRef(c.imageRef).repository : "");

/**
 * How the container's image reads `name` from a file instead, if it can: Grafana reads any setting's
 * `__FILE` form; our RAG and embedding service read their keys' `_FILE` forms (EnvReader.optionalSecret);
 * Qdrant reads its keys from its config files (lib/plan/qdrant.ts).
 */
function fileFormOf(c: ContainerView, name: string): { how: string; fix: string } | undefined {
  const repository = repositoryOf(c);
  const variable = (v: string) => ({
    how: `from a file (${v})`,
    fix: `ship it as a secret file (a FileSpec with \`secret\`) and set ${v} to its path`,
  });
  if (repository.endsWith("grafana/grafana") && name.startsWith("GF_")) return variable(`${name}__FILE`);
  if (/(^|\/)local-ai-suite\/(rag|embedding)$/.test(repository)) return variable(`${name}_FILE`);
  const config = qdrantConfigFilesOf(c).find((f) => f.name === name);
  if (config)
    return {
      how: `from its config file ${config.file}`,
      fix: `ship it in ${config.file} (a secret FileSpec whose template holds the key)`,
    };
  return undefined;
}

/** The config files a Qdrant image reads its keys from, each with the env name of the key it holds. */
function qdrantConfigFilesOf(c: ContainerView): { file: string; name: string; field: "api_key" | "read_only_api_key" }[] {
  if (!/(^|\/)qdrant\/qdrant$/.test(repositoryOf(c))) return [];
  return [
    { file: QDRANT_KEY_FILE.path, name: QDRANT_API_KEY_ENV, field: "api_key" },
    { file: QDRANT_READ_ONLY_KEY_FILE.path, name: QDRANT_READ_ONLY_KEY_ENV, field: "read_only_api_key" },
  ];
}

export function secretProblems(c: ContainerView, config: SecretsConfig): string[] {
  const where = describeContainer(c);
  const problems: string[] = [];
  const secrets = Object.entries(c.env).filter(([name]) => isSecretEnvName(name, config.extraSecretEnvNames));
  const encrypted = (c.opts.additionalSecretOutputs ?? []).includes("envs");
  for (const [name] of secrets) {
    const form = fileFormOf(c, name);
    if (form)
      problems.push(
        `${where} passes secret ${name} in env, where its image reads it ${form.how}: docker inspect shows env to anyone with Docker access. ` +
          `Fix: ${form.fix}.`,
      );
  }
  // A secret shipped as a file (`<NAME>_FILE` or `<NAME>__FILE` names it) is judged like one in env.
  const fileSecrets: (readonly [string, string])[] = Object.entries(c.env).flatMap(([variable, file]) => {
    const name = variable.replace(/__?FILE$/, "");
    if (name === variable || !isSecretEnvName(name, config.extraSecretEnvNames)) return [];
    const upload = (c.props.uploads ?? []).find((u) => u.file === file);
    return upload?.content !== undefined ? [[`${name} (file ${file})`, upload.content.trim()] as const] : [];
  });
  // A key in the image's own config file (Qdrant's) is judged the same way.
  for (const { file, name, field } of qdrantConfigFilesOf(c)) {
    const upload = (c.props.uploads ?? []).find((u) => u.file === file);
    const value = upload?.content !== undefined ? qdrantKeyInConfig(upload.content, field) : undefined;
    if (upload?.content !== undefined) fileSecrets.push([`${name} (in ${file})`, value ?? ""]);
  }
  for (const [name, value] of fileSecrets) {
    const weakness = weaknessOf(value, config.minLength, config.extraWeakValues);
    if (weakness)
      problems.push(
        `${where}: secret ${name} is weak: ${weakness}. Fix: pulumi config set --secret <key> "$(openssl rand -hex 24)", or unset it so the stack generates one.`,
      );
  }
  for (const [name, value] of secrets) {
    if (!encrypted) {
      problems.push(
        `${where} passes secret ${name} in envs, but envs is not an additional secret output, so the value can land in state in plain text. ` +
          `Fix: take it from a secret config value (secretEnv in its ServiceSpec) so the Service component sets additionalSecretOutputs: ["envs"].`,
      );
    }
    const weakness = weaknessOf(value, config.minLength, config.extraWeakValues);
    if (weakness) {
      problems.push(
        `${where}: secret ${name} is weak: ${weakness}. Fix: pulumi config set --secret <key> "$(openssl rand -hex 24)", or unset it so the stack generates one.`,
      );
    }
  }
  // Files that hold a secret by design (encrypted in state with the container's uploads).
  const secretFiles = new Set([
    ...Object.entries(c.env).flatMap(([variable, file]) => (/__?FILE$/.test(variable) ? [file] : [])),
    ...qdrantConfigFilesOf(c).map((f) => f.file),
  ]);
  const plainTexts = [
    ...(c.props.command ?? []).map((t) => ({ text: t, field: "command" })),
    ...(c.props.entrypoints ?? []).map((t) => ({ text: t, field: "entrypoints" })),
    ...Object.entries(c.labels).map(([k, v]) => ({ text: `${k}=${v}`, field: `label ${k}` })),
    ...(c.props.uploads ?? [])
      .filter((u) => !secretFiles.has(u.file ?? ""))
      .map((u) => ({ text: u.content ?? "", field: `upload ${u.file}` })),
  ];
  for (const [name, value] of secrets) {
    if (value.length < 8) continue;
    const leak = plainTexts.find((t) => t.text.includes(value));
    if (leak)
      problems.push(
        `${where}: the value of secret ${name} (${redact(value)}) also appears in ${leak.field}, which is stored in plain text. Fix: reference the env var instead (e.g. os.environ/${name} in LiteLLM's YAML).`,
      );
  }
  // A secret file holds its secret by design (judged above); any other file must only reference one.
  for (const upload of (c.props.uploads ?? []).filter((u) => !secretFiles.has(u.file ?? ""))) {
    for (const literal of secretLiteralsInText(upload.content ?? "", config.placeholderValues)) {
      problems.push(
        `${where}: uploaded file ${upload.file} holds a secret literal at ${literal.where}. ` +
          `Fix: reference an env var that comes from a secret (LiteLLM: os.environ/NAME; Grafana: $__env{NAME}), or add a documented placeholder to placeholderValues.`,
      );
    }
  }
  for (const arg of secretArgs([...(c.props.entrypoints ?? []), ...(c.props.command ?? [])], config.placeholderValues)) {
    problems.push(
      `${where} passes a secret on the command line (${arg}), visible in docker inspect and stored in plain text. Fix: pass it as a secret env var instead.`,
    );
  }
  return problems;
}

/**
 * Env entries not known at preview come from other resources' outputs. Each
 * resource feeding `envs` must be a generated password of at least minLength
 * characters, and envs must then be encrypted in state like any secret.
 */
export function generatedSecretProblems(c: ContainerView, feeders: readonly PolicyResource[], config: SecretsConfig): string[] {
  const where = describeContainer(c);
  const problems: string[] = [];
  for (const feeder of feeders) {
    if (feeder.type !== RANDOM_PASSWORD) continue;
    const { value } = knownPart(feeder.props as { length?: number });
    if (typeof value.length === "number" && value.length < config.minLength) {
      problems.push(
        `${where} takes an env value from ${feeder.name}, a generated password of ${value.length} characters (minimum ${config.minLength}). Fix: raise its length.`,
      );
    }
  }
  if (feeders.some((f) => f.type === RANDOM_PASSWORD) && !(c.opts.additionalSecretOutputs ?? []).includes("envs")) {
    problems.push(
      `${where} passes a generated password in envs, but envs is not an additional secret output, so the value can land in state in plain text. ` +
        `Fix: take it from a secret config value (secretEnv in its ServiceSpec) so the Service component sets additionalSecretOutputs: ["envs"].`,
    );
  }
  return problems;
}

export const containerSecrets: StackValidationPolicy = {
  name: "container-secrets",
  description:
    "Checks that secret env vars are encrypted in state, are not default or weak values (generated ones long enough), and are not copied into argv, labels or uploaded files.",
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
  validateStack: (args, reportViolation) => {
    const config = args.getConfig<SecretsConfig>();
    const { views, resources } = stackContainers(args.resources);
    for (const c of views) {
      for (const problem of secretProblems(c, config)) reportViolation(problem, c.urn);
      // Preview of a key not generated yet: judge its generator (once known, the value itself is judged above).
      if (c.unknown.some((u) => isUnknownEntryOf(u, ["envs"]))) {
        for (const problem of generatedSecretProblems(c, resources.get(c)?.propertyDependencies.envs ?? [], config))
          reportViolation(problem, c.urn);
      }
    }
    // An unknown env entry or shipped file is judged by what feeds it (a generated secret, strong by construction);
    // any other unknown field read here means the check is incomplete.
    const fedOnlyByGenerators = (c: ContainerView, field: "envs" | "uploads") =>
      (resources.get(c)?.propertyDependencies[field] ?? []).every((f) => f.type === RANDOM_PASSWORD);
    const generated = (c: ContainerView, u: UnknownValue) =>
      (fedOnlyByGenerators(c, "envs") && isUnknownEntryOf(u, ["envs"])) ||
      (fedOnlyByGenerators(c, "uploads") && unknownUploadContentIndex(u) !== undefined);
    rethrowUnknown(
      views.flatMap((c) => c.unknown.filter((u) => !generated(c, u))),
      ["envs", "command", "entrypoints", "uploads", "labels"],
    );
  },
};
