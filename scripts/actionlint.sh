#!/usr/bin/env bash
# actionlint, pinned: built once from the Go module proxy into a per-version cache, then run with the
# given arguments (no arguments: checks .github/workflows). npm test and .ci/run both go through here.
set -euo pipefail
ACTIONLINT_VERSION=v1.7.12
bin_dir="${XDG_CACHE_HOME:-$HOME/.cache}/local-ai-suite/actionlint-$ACTIONLINT_VERSION"
if [ ! -x "$bin_dir/actionlint" ]; then
  command -v go >/dev/null || { echo "actionlint.sh: needs Go to build actionlint $ACTIONLINT_VERSION (apt-get install golang-go)" >&2; exit 127; }
  mkdir -p "$bin_dir"
  GOBIN="$bin_dir" GOFLAGS=-buildvcs=false go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2 || {
    echo "actionlint.sh: could not build actionlint $ACTIONLINT_VERSION from the Go module proxy ($(go env GOPROXY))" >&2
    exit 127
  }
fi
exec "$bin_dir/actionlint" "$@"
