#!/usr/bin/env bash
# actionlint, pinned (built once from the Go module proxy: scripts/go-tool.sh), run with the given arguments
# (no arguments: checks .github/workflows). npm test and .ci/run both go through here.
exec bash "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh" actionlint github.com/rhysd/actionlint/cmd/actionlint v1.7.12 "$@"
