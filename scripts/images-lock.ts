/**
 * `npm run images:lock [-- --refresh] [--file <path>]`: fills images.lock.json with the digest each tag
 * points to, read from its registry (run it where the registries are reachable). Prints one line per image
 * asked about; exits 1 when any stayed unread (the lock then says why, per image).
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { IMAGE_LOCK_FILE } from "../lib/images-lock";
import { lockImages, lockImagesReport } from "../ops/images/lock-images";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { refresh: { type: "boolean" }, file: { type: "string" } } });
  const file = path.resolve(values.file ?? path.join(__dirname, "..", IMAGE_LOCK_FILE));
  const { answers } = await lockImages(file, { refresh: values.refresh });
  if (answers.length) process.stdout.write(`${lockImagesReport(answers)}\n`);
  else process.stdout.write(`every image in ${file} has a digest (--refresh reads them again)\n`);
  return answers.some((a) => !("digest" in a)) ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`images:lock failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
