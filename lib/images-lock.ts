/**
 * The image lock (`images.lock.json` at the repository root): for every
 * registry image the stacks pull by default, the digest its tag pointed to when
 * someone read it from the registry, or why it was not read. A digest is never
 * written by hand or guessed: `npm run images:lock` reads each one from its
 * registry (ops/images/lock-images.ts). The plan pulls `<ref>@<digest>` where
 * the lock has a digest, and the policy pack refuses the tag alone there.
 *
 * Pure: validate, look up, pin. Reading and writing the file is the caller's;
 * the committed lock is imported like PINNED_IMAGES, so the plan, the pack and
 * the review all judge with the lock of the commit they run from.
 */
import { z } from "zod";
import lockData from "../images.lock.json";
import { IMAGE_ID, parseImageRef } from "./images";

export const IMAGE_LOCK_FILE = "images.lock.json";

const entry = z.union([
  z.strictObject({
    digest: z.string().regex(IMAGE_ID, "must be sha256: and 64 hex digits"),
    /** Where and when it was read, e.g. "registry-1.docker.io manifest, 2026-12-08". */
    source: z.string().min(1),
  }),
  z.strictObject({
    digest: z.null(),
    /** Why there is no digest, and how to get one. */
    unread: z.string().min(1),
  }),
]);

const imageLockSchema = z.strictObject({
  version: z.literal(1),
  /** By the reference the config pins (`repository:tag`), as written in PINNED_IMAGES and the monitoring defaults. */
  images: z.record(z.string().min(1), entry),
});

export type ImageLock = z.infer<typeof imageLockSchema>;
export type ImageLockEntry = z.infer<typeof entry>;

export function validateImageLock(data: unknown, file = IMAGE_LOCK_FILE): ImageLock {
  const result = imageLockSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${file} is not a valid image lock:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  for (const ref of Object.keys(result.data.images)) {
    const { tag, digest } = parseImageRef(ref);
    if (!tag || digest)
      throw new Error(`${file}: "${ref}" must be a repository:tag reference without a digest (the digest goes in its entry)`);
  }
  return result.data;
}

let committed: ImageLock | undefined;

/** The lock committed beside this code. */
export function committedImageLock(): ImageLock {
  committed ??= validateImageLock(lockData);
  return committed;
}

/** The digest the lock pins for `ref`'s repository:tag, if it has read one. */
export function lockedDigest(lock: ImageLock, ref: string): string | undefined {
  const { repository, tag } = parseImageRef(ref);
  return lock.images[`${repository}:${tag}`]?.digest ?? undefined;
}

/** `ref` pulled by the digest the lock pins for it (`repository:tag@sha256:...`), or `ref` as it is. */
export function withLockedDigest(ref: string, lock: ImageLock): string {
  const digest = lockedDigest(lock, ref);
  return digest && !parseImageRef(ref).digest ? `${ref}@${digest}` : ref;
}

/** Why `ref` breaks the lock (the lock pins a digest and `ref` lacks it or names another), or undefined. */
export function imageDigestProblem(ref: string, lock: ImageLock): string | undefined {
  const digest = lockedDigest(lock, ref);
  if (!digest) return undefined;
  const given = parseImageRef(ref).digest;
  if (given === digest) return undefined;
  return given
    ? `it names digest ${given}, but ${IMAGE_LOCK_FILE} pins ${digest} for this tag`
    : `${IMAGE_LOCK_FILE} pins digest ${digest} for this tag, and the reference has no digest`;
}

/** What a registry said about one reference: the digest its tag points to, or why none was read. */
export type RegistryAnswer = { ref: string; digest: string; source: string } | { ref: string; error: string };

/**
 * The lock after asking the registries: a read digest replaces the entry; a failed read leaves a pinned
 * digest as it was (a registry that is down moves nothing) and records the reason on an unread one.
 */
export function lockWithAnswers(lock: ImageLock, answers: readonly RegistryAnswer[], howToFill: string): ImageLock {
  const images = { ...lock.images };
  for (const answer of answers) {
    if ("digest" in answer) images[answer.ref] = { digest: answer.digest, source: answer.source };
    else if (!images[answer.ref]?.digest) images[answer.ref] = { digest: null, unread: `not read: ${answer.error}; ${howToFill}` };
  }
  return { ...lock, images };
}

export function serializeImageLock(lock: ImageLock): string {
  const images = Object.fromEntries(Object.entries(lock.images).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ ...lock, images }, null, 2)}\n`;
}
