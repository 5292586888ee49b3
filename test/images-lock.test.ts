/** The image lock: what it lists, how the plan pins by it, and how a registry's answer becomes an entry. */
import { describe, expect, it } from "vitest";
import { MONITORING_IMAGES } from "../lib/config/monitoring-section";
import { PINNED_IMAGES } from "../lib/images";
import {
  committedImageLock,
  imageDigestProblem,
  lockWithAnswers,
  validateImageLock,
  withLockedDigest,
  type ImageLock,
} from "../lib/images-lock";
import { manifestLocation, tokenUrl } from "../lib/registry-ref";
import { registryDigest } from "../ops/images/registry-digest";
import { planStack } from "../lib/plan/stack-plan";
import { loadStack } from "../ops/stack";
import { planOf, PROJECT_DIR } from "./ops/support/plans";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const OTHER = `sha256:${"cd".repeat(32)}`;
const lockWith = (ref: string, digest: string): ImageLock => ({
  version: 1,
  images: { ...committedImageLock().images, [ref]: { digest, source: "test" } },
});

describe("images.lock.json", () => {
  it("lists every registry image the stacks pull by default, and nothing else", () => {
    const defaults = [...Object.values(PINNED_IMAGES), ...Object.values(MONITORING_IMAGES)].sort();
    expect(Object.keys(committedImageLock().images).sort()).toEqual(defaults);
  });

  it("holds no digest it did not read: each entry is a digest with its source, or none with the reason", () => {
    for (const [ref, entry] of Object.entries(committedImageLock().images)) {
      if ("source" in entry) expect(entry.source, ref).toMatch(/manifest of .*, read \d{4}-\d{2}-\d{2}$/);
      else expect(entry.unread, ref).toContain("npm run images:lock");
    }
  });

  it("refuses a malformed digest, an entry with neither, and a reference that carries its own digest", () => {
    expect(() => validateImageLock({ version: 1, images: { "a/b:1": { digest: "sha256:12", source: "x" } } })).toThrow(
      /sha256: and 64 hex/,
    );
    expect(() => validateImageLock({ version: 1, images: { "a/b:1": { digest: null } } })).toThrow(/images\.a\/b:1/);
    expect(() => validateImageLock({ version: 1, images: { [`a/b:1@${DIGEST}`]: { digest: DIGEST, source: "x" } } })).toThrow(
      /without a digest/,
    );
  });
});

describe("pinning by the lock", () => {
  it("pulls a registry image by the digest the lock pins for its tag, and leaves the rest alone", async () => {
    const loaded = loadStack("p2", PROJECT_DIR);
    const base = await planOf("p2");
    const lock = lockWith(PINNED_IMAGES.qdrant, DIGEST);
    const plan = planStack(loaded.config, { stack: "p2", projectDir: PROJECT_DIR, lock: loaded.lock, imageLock: lock });
    const ref = (p: typeof plan, service: string) => {
      const image = p.services.find((s) => s.service === service)!.image;
      return image.kind === "registry" ? image.ref : image.kind;
    };
    expect(ref(plan, "qdrant")).toBe(`${PINNED_IMAGES.qdrant}@${DIGEST}`);
    expect(ref(plan, "api-gateway")).toBe(ref(base, "api-gateway"));
    expect(ref(plan, "rag")).toBe("build");
    expect(withLockedDigest(`${PINNED_IMAGES.qdrant}@${OTHER}`, lock)).toBe(`${PINNED_IMAGES.qdrant}@${OTHER}`);
  });

  it("says what is wrong with a reference the lock pins: no digest, or another one", () => {
    const lock = lockWith(PINNED_IMAGES.qdrant, DIGEST);
    expect(imageDigestProblem(PINNED_IMAGES.qdrant, lock)).toMatch(/pins digest sha256:abab.* and the reference has no digest/);
    expect(imageDigestProblem(`${PINNED_IMAGES.qdrant}@${OTHER}`, lock)).toMatch(/names digest sha256:cdcd.*but images\.lock\.json pins/);
    expect(imageDigestProblem(`${PINNED_IMAGES.qdrant}@${DIGEST}`, lock)).toBeUndefined();
    expect(imageDigestProblem(PINNED_IMAGES.litellm, lock)).toBeUndefined();
  });

  it("takes a read digest, keeps a pinned one when the registry cannot be reached, and records why one stays unread", () => {
    const lock = lockWith(PINNED_IMAGES.qdrant, DIGEST);
    const next = lockWithAnswers(
      lock,
      [
        { ref: PINNED_IMAGES.qdrant, error: "connect ECONNREFUSED" },
        { ref: PINNED_IMAGES.litellm, digest: OTHER, source: "ghcr.io manifest" },
        { ref: PINNED_IMAGES.llamaCpp, error: "getaddrinfo ENOTFOUND ghcr.io" },
      ],
      "run it again",
    );
    expect(next.images[PINNED_IMAGES.qdrant]).toEqual({ digest: DIGEST, source: "test" });
    expect(next.images[PINNED_IMAGES.litellm]).toEqual({ digest: OTHER, source: "ghcr.io manifest" });
    expect(next.images[PINNED_IMAGES.llamaCpp]).toEqual({ digest: null, unread: "not read: getaddrinfo ENOTFOUND ghcr.io; run it again" });
  });
});

describe("reading a digest from a registry", () => {
  it("finds each default image's manifest: Docker Hub's library and user images, ghcr.io, nvcr.io, a local registry over http", () => {
    expect(manifestLocation("qdrant/qdrant:v1.16.3").manifestUrl).toBe("https://registry-1.docker.io/v2/qdrant/qdrant/manifests/v1.16.3");
    expect(manifestLocation("redis:7").manifestUrl).toBe("https://registry-1.docker.io/v2/library/redis/manifests/7");
    expect(manifestLocation(PINNED_IMAGES.litellm).manifestUrl).toBe("https://ghcr.io/v2/berriai/litellm/manifests/v1.106.2");
    expect(manifestLocation(MONITORING_IMAGES.dcgmExporter).manifestUrl).toBe(
      "https://nvcr.io/v2/nvidia/k8s/dcgm-exporter/manifests/4.2.3-4.1.3-ubuntu22.04",
    );
    expect(manifestLocation("127.0.0.1:5000/suite/probe:1").manifestUrl).toBe("http://127.0.0.1:5000/v2/suite/probe/manifests/1");
  });

  it("reads a token challenge as the registry's token service asks", () => {
    expect(
      tokenUrl('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:qdrant/qdrant:pull"', "x"),
    ).toBe("https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Aqdrant%2Fqdrant%3Apull");
    expect(tokenUrl('Basic realm="x"', "x")).toBeUndefined();
  });

  it("asks anonymously, answers a token challenge, and reports a failure as the reason, never as a digest", async () => {
    const calls: string[] = [];
    const fake: typeof fetch = async (input, init) => {
      const url = String(input);
      calls.push(`${init?.method ?? "GET"} ${url} ${(init?.headers as Record<string, string> | undefined)?.authorization ?? "-"}`);
      if (url.startsWith("https://auth.example/token")) return Response.json({ token: "t0k" });
      if ((init?.headers as Record<string, string>).authorization !== "Bearer t0k")
        return new Response(null, {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="https://auth.example/token",service="reg"' },
        });
      return new Response(null, { status: 200, headers: { "docker-content-digest": DIGEST } });
    };
    const found = await registryDigest("reg.example/team/app:1.2", { fetch: fake, today: "2026-12-08" });
    expect(found).toEqual({
      ref: "reg.example/team/app:1.2",
      digest: DIGEST,
      source: "reg.example manifest of team/app:1.2, read 2026-12-08",
    });
    expect(calls).toEqual([
      "HEAD https://reg.example/v2/team/app/manifests/1.2 -",
      "GET https://auth.example/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull -",
      "HEAD https://reg.example/v2/team/app/manifests/1.2 Bearer t0k",
    ]);
    const down: typeof fetch = async () => {
      throw new Error("getaddrinfo ENOTFOUND reg.example");
    };
    expect(await registryDigest("reg.example/team/app:1.2", { fetch: down })).toEqual({
      ref: "reg.example/team/app:1.2",
      error: "getaddrinfo ENOTFOUND reg.example",
    });
  });
});
