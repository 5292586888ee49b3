#!/usr/bin/env bash
# A Go program, pinned: built once from the Go module proxy into a per-version cache, then run with the rest
# of the arguments. scripts/actionlint.sh and scripts/registry.sh go through here.
#
#   bash scripts/go-tool.sh <binary> <package path> <version> [args...]
set -euo pipefail
name="$1" package="$2" version="$3"
shift 3
bin_dir="${XDG_CACHE_HOME:-$HOME/.cache}/local-ai-suite/$name-$version"
if [ ! -x "$bin_dir/$name" ]; then
  command -v go >/dev/null || { echo "go-tool.sh: needs Go to build $name $version (apt-get install golang-go)" >&2; exit 127; }
  mkdir -p "$bin_dir"
  GOBIN="$bin_dir" GOFLAGS=-buildvcs=false go install "$package@$version" >&2 || {
    echo "go-tool.sh: could not build $name $version from the Go module proxy ($(go env GOPROXY))" >&2
    exit 127
  }
fi
exec "$bin_dir/$name" "$@"
