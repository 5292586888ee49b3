/**
 * The image lock against a real registry (a local `distribution` v3.1.2) and
 * the real Docker daemon: `images:lock` reads the digest Docker's own push
 * reported, the plan's `<ref>@<digest>` pulls that image, a wrong digest pulls
 * nothing, and when the tag moves the locked digest still pulls the image it
 * locked (until `--refresh` reads the new one, for review).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeImageLock, withLockedDigest } from "../../lib/images-lock";
import { lockImages } from "../../ops/images/lock-images";
import { docker, dockerOk } from "../support/docker-cli";
import { startLocalRegistry, type LocalRegistry } from "../support/local-registry";
import { ensureMinbaseImage } from "../support/node-base-image";

let registry: LocalRegistry;
let ref: string;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "image-lock-"));
const lockFile = path.join(work, "images.lock.json");
const built: string[] = [];

/** Builds a one-layer image from the local base whose content is `marker`, pushes it as `ref`, returns Docker's digest. */
async function pushImage(marker: string): Promise<string> {
  const context = fs.mkdtempSync(path.join(work, "ctx-"));
  fs.writeFileSync(path.join(context, "Dockerfile"), `FROM ${await ensureMinbaseImage()}\nRUN echo ${marker} > /marker\n`);
  await dockerOk(["build", "-q", "-t", ref, context], { timeoutMs: 300_000 });
  await dockerOk(["push", ref], { timeoutMs: 300_000 });
  const repoDigests = JSON.parse(await dockerOk(["image", "inspect", "--format", "{{json .RepoDigests}}", ref])) as string[];
  const digest = repoDigests.find((d) => d.startsWith(`${ref.split(":").slice(0, -1).join(":")}@`))!.split("@")[1]!;
  built.push(`${ref}@${digest}`);
  return digest;
}

const markerOf = async (image: string) => (await dockerOk(["run", "--rm", image, "cat", "/marker"])).trim();

beforeAll(async () => {
  registry = await startLocalRegistry();
  ref = `${registry.host}/local-ai-suite-test/lock-probe:1`;
  fs.writeFileSync(lockFile, serializeImageLock({ version: 1, images: { [ref]: { digest: null, unread: "not read yet" } } }));
}, 900_000);

afterAll(async () => {
  await docker(["rmi", "-f", ref, ...built]);
  await registry?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("images:lock and a pull by digest against a real registry", () => {
  it("reads the digest Docker's push reported, and the plan's reference pulls exactly that image", async () => {
    const pushed = await pushImage("first");
    const { lock, answers } = await lockImages(lockFile);
    expect(answers).toEqual([
      { ref, digest: pushed, source: expect.stringMatching(new RegExp(`^${registry.host} manifest of local-ai-suite-test/lock-probe:1`)) },
    ]);
    expect(JSON.parse(fs.readFileSync(lockFile, "utf8")).images[ref].digest).toBe(pushed);

    const pinned = withLockedDigest(ref, lock);
    expect(pinned).toBe(`${ref}@${pushed}`);
    await dockerOk(["rmi", "-f", ref, `${ref.replace(/:1$/, "")}@${pushed}`]);
    await dockerOk(["pull", pinned], { timeoutMs: 300_000 });
    expect(await markerOf(pinned)).toBe("first");
    // A digest the registry does not hold pulls nothing.
    const wrong = await docker(["pull", `${ref}@sha256:${"0".repeat(64)}`], { timeoutMs: 120_000 });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/manifest unknown|not found/i);
  }, 600_000);

  it("keeps pulling the locked image after the tag moves; --refresh reads the new digest for review", async () => {
    const first = JSON.parse(fs.readFileSync(lockFile, "utf8")).images[ref].digest as string;
    const moved = await pushImage("second");
    expect(moved).not.toBe(first);
    // Without --refresh a locked entry is not asked about again: the tag moving changes nothing.
    expect((await lockImages(lockFile)).answers).toEqual([]);
    const locked = `${ref}@${first}`;
    await dockerOk(["rmi", "-f", ref, locked]);
    await dockerOk(["pull", locked], { timeoutMs: 300_000 });
    expect(await markerOf(locked)).toBe("first");
    const refreshed = await lockImages(lockFile, { refresh: true });
    expect(refreshed.lock.images[ref]).toMatchObject({ digest: moved });
  }, 600_000);
});
