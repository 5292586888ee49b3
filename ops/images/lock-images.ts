/**
 * `npm run images:lock`: reads from each registry the digest every tag in
 * images.lock.json points to, and writes the lock. By default only the entries
 * without a digest are asked about; `--refresh` asks about all of them (a tag
 * that moved then shows in the lock's diff, for review like any other change).
 */
import * as fs from "node:fs";
import { lockWithAnswers, serializeImageLock, validateImageLock, type ImageLock, type RegistryAnswer } from "../../lib/images-lock";
import { registryDigest, type DigestOptions } from "./registry-digest";

export const HOW_TO_FILL = "run `npm run images:lock` where the registry is reachable";

export interface LockImagesResult {
  lock: ImageLock;
  answers: RegistryAnswer[];
}

export async function lockImages(file: string, options: DigestOptions & { refresh?: boolean } = {}): Promise<LockImagesResult> {
  const lock = validateImageLock(JSON.parse(fs.readFileSync(file, "utf8")), file);
  const asked = Object.entries(lock.images)
    .filter(([, entry]) => options.refresh || !entry.digest)
    .map(([ref]) => ref);
  const answers = await Promise.all(asked.map((ref) => registryDigest(ref, options)));
  const next = lockWithAnswers(lock, answers, HOW_TO_FILL);
  fs.writeFileSync(file, serializeImageLock(next));
  return { lock: next, answers };
}

/** One line per reference asked about: `<ref> <digest>` or `<ref> unread: <why>`. */
export function lockImagesReport(answers: readonly RegistryAnswer[]): string {
  return answers.map((a) => ("digest" in a ? `${a.ref} ${a.digest}` : `${a.ref} unread: ${a.error}`)).join("\n");
}
