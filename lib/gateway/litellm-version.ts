/**
 * The LiteLLM release behind an image tag, so the e2e test installs from PyPI
 * the same proxy the stack deploys (bumping PINNED_IMAGES.litellm bumps both).
 */
import { parseImageRef } from "../images";

/**
 * `ghcr.io/berriai/litellm:v1.106.2` -> "1.106.2". Also reads the older
 * `main-v1.2.3`, `v1.2.3-stable` and `v1.2.3-stable.1` forms. Throws for a tag
 * that names no release (digest-only, `main-latest`, `-nightly`/`-rc` builds,
 * which have no matching PyPI version).
 */
export function litellmVersionOfImage(ref: string): string {
  const { tag } = parseImageRef(ref);
  const match = /^(?:main-)?v?(\d+\.\d+\.\d+)(?:-stable(?:\.\d+)?)?$/.exec(tag ?? "");
  if (!match) {
    throw new Error(`LiteLLM image "${ref}" has no release tag (vX.Y.Z or vX.Y.Z-stable), so its PyPI version is unknown`);
  }
  return match[1]!;
}
