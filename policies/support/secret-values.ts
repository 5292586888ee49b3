/**
 * What counts as a secret, in one place: env var names that carry one, values
 * too weak to be one, and secret literals written into files or argv.
 * Policies see plain values (no secret flag), so these rules work on names
 * and shapes.
 */
import { MASTER_KEY_ENV } from "../../lib/plan/gateway";
import { ADMIN_PASSWORD_ENV } from "../../lib/plan/monitoring/grafana";
import { QDRANT_API_KEY_ENV } from "../../lib/plan/qdrant";

/** Env vars the suite (and the reference) uses for secrets. */
export const SECRET_ENV_NAMES = [
  MASTER_KEY_ENV,
  ADMIN_PASSWORD_ENV,
  QDRANT_API_KEY_ENV,
  "QDRANT_API_KEY",
  "RAG_LLM_API_KEY",
  "OPENAI_API_KEY",
  "POSTGRES_PASSWORD",
  "MEMORY_API_KEY",
  "MCP_API_KEY",
] as const;

/** Any other env name that ends like a secret (Grafana's `__FILE` variants hold a path and do not match). */
const SECRET_NAME_SHAPE = /(^|_)(API_KEY|MASTER_KEY|PASSWORD|PASSWD|SECRET|SECRET_KEY|ACCESS_KEY|TOKEN|AUTH_TOKEN)$/;

/** Defaults and placeholders seen in the reference stack and its ecosystem. */
export const WEAK_VALUES = [
  "admin",
  "password",
  "changeme",
  "change-me",
  "secret",
  "root",
  "test",
  "default",
  "letmein",
  "123456",
  "12345678",
  "sk-noop",
  "sk-1234",
  "sk-12345",
  "sk-123456",
  "sk-test",
  "sk-xxx",
  "ai_secure_pass",
  "approval-admin-001",
  "none",
  "null",
];

/** Keys in uploaded config files whose value is a secret. */
const SECRET_KEY_SHAPE = /(password|passwd|secret|token|api[_-]?key|master[_-]?key)$/i;
/** A value that points at a secret instead of holding it: LiteLLM os.environ/, ${VAR}, Grafana $__env{}/$__file{}, templates. */
const REFERENCE = /^(os\.environ\/|\$\{|\$__(env|file)\{|\{\{|\/run\/secrets\/)/;
/** Provider-style keys anywhere in text. */
const KEY_LITERAL = /\bsk-[A-Za-z0-9_-]{16,}\b/g;
/** argv flags that take a secret. */
const SECRET_FLAG = /^--?(master-key|api-key|apikey|password|passwd|token|secret)$/i;

export function isSecretEnvName(name: string, extra: readonly string[] = []): boolean {
  return (SECRET_ENV_NAMES as readonly string[]).includes(name) || extra.includes(name) || SECRET_NAME_SHAPE.test(name);
}

/** Why `value` is too weak to be a secret, or undefined. */
export function weaknessOf(value: string, minLength: number, extraWeak: readonly string[] = []): string | undefined {
  if (value.trim() === "") return "it is empty";
  if ([...WEAK_VALUES, ...extraWeak].includes(value.toLowerCase())) return `"${value}" is a well-known default`;
  if (value.length < minLength) return `it is only ${value.length} characters (minimum ${minLength})`;
  if (new Set(value).size <= 2) return "it repeats one or two characters";
  return undefined;
}

export interface SecretLiteral {
  /** e.g. `line 12 "master_key: sk-..."` */
  where: string;
}

/** Secret literals in a config file: secret-named keys with literal values, and sk-... keys anywhere. */
export function secretLiteralsInText(text: string, placeholders: readonly string[]): SecretLiteral[] {
  const found: SecretLiteral[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const kv = /^\s*-?\s*["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*(.*?)\s*$/.exec(line);
    const value = kv?.[2]?.replace(/^["']|["']$/g, "").trim();
    if (kv && value && SECRET_KEY_SHAPE.test(kv[1]!) && !REFERENCE.test(value) && !placeholders.includes(value) && !/^[|>]/.test(value)) {
      found.push({ where: `line ${i + 1} (${kv[1]}: ${redact(value)})` });
      return;
    }
    for (const match of line.match(KEY_LITERAL) ?? []) {
      if (!placeholders.includes(match)) found.push({ where: `line ${i + 1} (${redact(match)})` });
    }
  });
  return found;
}

/** Secret values passed on the command line (`--api-key X`, `--password=X`). */
export function secretArgs(argv: readonly string[], placeholders: readonly string[]): string[] {
  const found: string[] = [];
  argv.forEach((token, i) => {
    const eq = token.indexOf("=");
    const flag = eq > 0 ? token.slice(0, eq) : token;
    const value = eq > 0 ? token.slice(eq + 1) : argv[i + 1];
    if (SECRET_FLAG.test(flag) && value !== undefined && !REFERENCE.test(value) && !placeholders.includes(value))
      found.push(`${flag} ${redact(value)}`);
  });
  return found;
}

/** Shows a secret's shape without the secret. */
export function redact(value: string): string {
  return value.length <= 6 ? `${value[0] ?? ""}***` : `${value.slice(0, 3)}***${value.slice(-2)} (${value.length} chars)`;
}
