import { describe, expect, it } from "vitest";
import { litellmVersionOfImage } from "../lib/gateway/litellm-version";
import { PINNED_IMAGES } from "../lib/images";

describe("litellmVersionOfImage", () => {
  it.each([
    ["ghcr.io/berriai/litellm:v1.106.2", "1.106.2"],
    ["ghcr.io/berriai/litellm:v1.83.14-stable", "1.83.14"],
    ["ghcr.io/berriai/litellm:v1.83.3-stable.1", "1.83.3"],
    ["ghcr.io/berriai/litellm:main-v1.61.7", "1.61.7"],
    ["docker.litellm.ai/berriai/litellm:1.100.0", "1.100.0"],
  ])("reads %s as PyPI %s", (ref, version) => {
    expect(litellmVersionOfImage(ref)).toBe(version);
  });

  it.each([
    "ghcr.io/berriai/litellm:main-latest",
    "ghcr.io/berriai/litellm:v1.81.8-nightly",
    "ghcr.io/berriai/litellm:v1.108.0-rc.1",
    "ghcr.io/berriai/litellm@sha256:" + "0".repeat(64),
  ])("refuses %s, which names no PyPI release", (ref) => {
    expect(() => litellmVersionOfImage(ref)).toThrow(/no release tag/);
  });

  it("gives the pinned image a PyPI version that is not one of the malicious 1.82.7/1.82.8 uploads", () => {
    const version = litellmVersionOfImage(PINNED_IMAGES.litellm);
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(["1.82.7", "1.82.8"]).not.toContain(version);
  });
});
