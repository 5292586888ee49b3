#!/usr/bin/env bash
# Makes sure the Docker image the container tests run in exists: a minimal Debian
# (bash, curl, wget, python3) built with debootstrap and imported with `docker import`,
# since no registry is reachable. The stand-in images of the deploy tests and the
# local Node base build on it: their healthchecks run curl, wget, python and bash
# like the real images'. Prints the image name. Cached by tag.
set -euo pipefail
image="local-ai-suite-test/bookworm-minbase:2"
if docker image inspect "$image" >/dev/null 2>&1; then echo "$image"; exit 0; fi

for tool in docker debootstrap; do
  command -v "$tool" >/dev/null || { echo "ensure-test-image: $tool missing; install with: apt-get install -y docker.io debootstrap" >&2; exit 1; }
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rootfs="${root}/.cache/rootfs-bookworm-minbase-2"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if [ ! -x "${rootfs}/bin/bash" ]; then
  echo "ensure-test-image: debootstrap bookworm (minbase + curl, wget, python3) from ${mirror}" >&2
  rm -rf "$rootfs"
  mkdir -p "${root}/.cache"
  if ! debootstrap --variant=minbase --include=curl,ca-certificates,wget,python3 bookworm "$rootfs" "$mirror" > "${rootfs}.log" 2>&1; then
    tail -n 20 "${rootfs}.log" >&2
    echo "ensure-test-image: debootstrap failed (full log: ${rootfs}.log); set DEBIAN_MIRROR to a reachable mirror" >&2
    exit 1
  fi
fi
tar -C "$rootfs" -c . | docker import - "$image" >/dev/null
echo "$image"
