#!/usr/bin/env bash
# Makes sure the Docker image the container tests run in exists: a minimal Debian
# (bash, curl, no python) built with debootstrap and imported with `docker import`,
# since no registry is reachable. Prints the image name. Cached by tag.
set -euo pipefail
image="local-ai-suite-test/bookworm-minbase:1"
if docker image inspect "$image" >/dev/null 2>&1; then echo "$image"; exit 0; fi

for tool in docker debootstrap; do
  command -v "$tool" >/dev/null || { echo "ensure-test-image: $tool missing; install with: apt-get install -y docker.io debootstrap" >&2; exit 1; }
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rootfs="${root}/.cache/rootfs-bookworm-minbase"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if [ ! -x "${rootfs}/bin/bash" ]; then
  echo "ensure-test-image: debootstrap bookworm (minbase + curl) from ${mirror}" >&2
  rm -rf "$rootfs"
  mkdir -p "${root}/.cache"
  if ! debootstrap --variant=minbase --include=curl,ca-certificates bookworm "$rootfs" "$mirror" > "${rootfs}.log" 2>&1; then
    tail -n 20 "${rootfs}.log" >&2
    echo "ensure-test-image: debootstrap failed (full log: ${rootfs}.log); set DEBIAN_MIRROR to a reachable mirror" >&2
    exit 1
  fi
fi
tar -C "$rootfs" -c . | docker import - "$image" >/dev/null
echo "$image"
