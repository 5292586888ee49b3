/** The stack's secrets as the components use them, for the Docker and the Kubernetes target alike. */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { SecretKey } from "../lib/config/schema";

export type StackSecrets = Partial<Record<SecretKey, pulumi.Output<string>>>;

/** A secret a service needs; the stack not providing it is the stack's error, named with its fix. */
export function stackSecret(
  secrets: StackSecrets,
  key: SecretKey,
  need: { service: string; usedFor: string; owner: pulumi.Resource },
): pulumi.Output<string> {
  const value = secrets[key];
  if (!value) {
    throw new pulumi.ResourceError(
      `${need.service} needs secret "${key}" for ${need.usedFor}, but the stack provided none. Fix: pulumi config set --secret ${key} <value>`,
      need.owner,
    );
  }
  return value;
}

/** Secrets generated when a service needs one and the stack set none. */
export const GENERATED_SECRETS = [
  "gatewayMasterKey",
  "grafanaAdminPassword",
  "inferenceApiKey",
  "serviceToken",
  "qdrantApiKey",
  "qdrantReadOnlyKey",
] as const;

/** A secret the stack did not set, generated once and kept in state (encrypted). */
export function generatedSecret(resourceName: string, key: SecretKey, parent: pulumi.Resource): pulumi.Output<string> {
  const password = new random.RandomPassword(resourceName, { length: 40, special: false }, { parent });
  // Marked secret here too: `result` is secret only through the provider's schema, which
  // nothing checks in unit tests. LiteLLM expects keys that start with "sk-".
  return key === "gatewayMasterKey" ? pulumi.secret(pulumi.interpolate`sk-${password.result}`) : pulumi.secret(password.result);
}
