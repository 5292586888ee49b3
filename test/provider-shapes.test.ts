/** Shapes the Docker provider reads back differently unless written canonically: durations, image refs, capabilities. */
import { describe, expect, it } from "vitest";
import { goDuration, goSeconds, isCanonicalGoDuration, parseGoDuration } from "../lib/durations";
import { imagePinProblem, llamaBuildOf, parseImageRef, PINNED_IMAGES } from "../lib/images";

describe("Go durations", () => {
  // Go's time.Duration(x).String() for these values, as the Docker daemon reports them.
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [5000, "5s"],
    [60_000, "1m0s"],
    [90_000, "1m30s"],
    [600_000, "10m0s"],
    [3_600_000, "1h0m0s"],
    [3_723_000, "1h2m3s"],
    [1500, "1.5s"],
  ])("%d ms is %s", (ms, text) => {
    expect(goDuration(ms)).toBe(text);
    expect(parseGoDuration(text)).toBe(ms);
    expect(isCanonicalGoDuration(text)).toBe(true);
  });

  it.each(["60s", "10m", "90s", "1h", "5 s", "1m60s"])("%s is not what Docker reads back", (text) => {
    expect(isCanonicalGoDuration(text)).toBe(false);
  });

  it("rejects fractional and negative milliseconds", () => {
    expect(() => goDuration(-1)).toThrow();
    expect(() => goDuration(0.5)).toThrow();
    expect(goSeconds(2.5)).toBe("2.5s");
  });
});

describe("image references", () => {
  it("parses registry ports, tags and digests", () => {
    expect(parseImageRef("localhost:5000/a/b:1.2")).toEqual({ repository: "localhost:5000/a/b", tag: "1.2", digest: undefined });
    expect(parseImageRef("localhost:5000/a/b")).toEqual({ repository: "localhost:5000/a/b", digest: undefined });
    expect(parseImageRef(`qdrant/qdrant@sha256:${"a".repeat(64)}`).digest).toBe(`sha256:${"a".repeat(64)}`);
  });

  it.each([
    ["qdrant/qdrant", /no tag/],
    ["qdrant/qdrant:latest", /rolling/],
    ["ghcr.io/berriai/litellm:main-latest", /rolling/],
    ["ghcr.io/ggml-org/llama.cpp:server-cuda", /rolling/],
    ["grafana/grafana:main", /rolling/],
    ["python:slim", /names no version/],
    ["x/y@sha256:abc", /not a sha256 digest/],
  ])("%s is not pinned", (ref, why) => {
    expect(imagePinProblem(ref)).toMatch(why);
  });

  it("accepts every pinned default and digests", () => {
    for (const ref of Object.values(PINNED_IMAGES)) expect(imagePinProblem(ref), ref).toBeUndefined();
    expect(imagePinProblem(`qdrant/qdrant@sha256:${"0".repeat(64)}`)).toBeUndefined();
  });

  it("reads the llama.cpp build number from the tag", () => {
    expect(llamaBuildOf("ghcr.io/ggml-org/llama.cpp:server-cuda-b9851")).toBe(9851);
    expect(llamaBuildOf("ghcr.io/ggml-org/llama.cpp:server-cuda")).toBeUndefined();
  });
});

describe("capability names", () => {
  it("are written the way Docker reads them back", async () => {
    const { canonicalCapability } = await import("../lib/docker/container-properties");
    expect(["chown", "CAP_SETUID", "ALL", "net_bind_service", "all"].map(canonicalCapability)).toEqual([
      "CAP_CHOWN",
      "CAP_SETUID",
      "ALL",
      "CAP_NET_BIND_SERVICE",
      "ALL",
    ]);
  });
});
