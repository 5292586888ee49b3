/**
 * Which stack secrets a stack file sets, and a version of each, read without
 * decrypting: the first 12 hex of the SHA-256 of its ciphertext. A new
 * ciphertext is a rotation (`pulumi config set --secret` encrypts afresh each
 * time, so setting the same value again reads as one too); a secret the file
 * does not set is generated once and kept in state, and has no version.
 */
import { createHash } from "node:crypto";
import { SECRET_KEYS } from "../config/schema";
import { PROJECT } from "../config/errors";
import type { SecretVersions } from "./service-diff";

export function secretVersions(doc: { config?: Record<string, unknown> } | null): SecretVersions {
  const versions: SecretVersions = {};
  for (const key of SECRET_KEYS) {
    // `{ secure: <ciphertext> }`, or (unwisely) a plain value: either way only a digest leaves here.
    const value = doc?.config?.[`${PROJECT}:${key}`];
    if (value !== undefined) versions[key] = createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 12);
  }
  return versions;
}
