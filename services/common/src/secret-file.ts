/**
 * A secret handed to a service as a file (the plan ships it into the container,
 * so it never shows in `docker inspect`, unlike an env value). Read once at start.
 */
import * as fs from "node:fs";

export function readSecretFile(path: string, envName: string): string {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`${envName}=${path}: cannot read the secret file (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      cause: error,
    });
  }
  const value = text.trim();
  if (!value) throw new Error(`${envName}=${path}: the secret file is empty`);
  return value;
}
