#!/usr/bin/env bash
# The `distribution` registry (CNCF Distribution, the registry behind Docker Hub), pinned (built once from the
# Go module proxy: scripts/go-tool.sh), run with the given arguments. The image-lock test pushes to and pulls
# by digest from a throwaway one (test/support/local-registry.ts).
exec bash "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh" registry github.com/distribution/distribution/v3/cmd/registry v3.1.2 "$@"
