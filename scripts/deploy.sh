#!/usr/bin/env bash
# One command from a fresh checkout to a running stack:
#   bash scripts/deploy.sh p2 [extra `pulumi up` flags]
# Gets Node.js >= 22 and the Pulumi CLI if missing (scripts/toolchain.sh),
# installs the program's and the policy pack's dependencies, pulls the stack's
# model files (models.lock.json; verified, resumable), logs the CLI into a
# local file backend (no Pulumi Cloud account), creates the stack on first use,
# and runs `pulumi up` with the policy pack and the stack's policy config.
# Environment: SKIP_NPM_CI=1 / SKIP_MODEL_PULL=1 (skip those steps),
# PULUMI (the CLI to run, default `pulumi`), PULUMI_BACKEND_URL
# (default file://~/.pulumi-local-ai-suite), PULUMI_CONFIG_PASSPHRASE or
# PULUMI_CONFIG_PASSPHRASE_FILE (default: a generated file next to the state).
# The login stays in effect, so plain `pulumi preview` / `pulumi up` afterwards
# use the same backend (Pulumi.yaml names none, so `pulumi login` decides).
set -euo pipefail
cd "$(dirname "$0")/.."

stack="${1:-}"
if [ -z "$stack" ] || [ ! -f "Pulumi.${stack}.yaml" ]; then
  echo "usage: bash scripts/deploy.sh <stack> [pulumi up flags]   (stacks: $(ls Pulumi.*.yaml | sed -E 's/Pulumi\.(.*)\.yaml/\1/' | grep -v '^yaml$' | tr '\n' ' '))" >&2
  exit 2
fi
shift

if [ -n "${PULUMI:-}" ]; then
  eval "$(bash scripts/toolchain.sh node)"
else
  eval "$(bash scripts/toolchain.sh node pulumi)"
fi
pulumi_cli="${PULUMI:-pulumi}"
if ! command -v "$pulumi_cli" >/dev/null 2>&1; then
  echo "The Pulumi CLI is not installed. Install it with:" >&2
  echo "  curl -fsSL https://get.pulumi.com | sh   # then open a new shell" >&2
  exit 1
fi

if [ "${SKIP_NPM_CI:-}" != "1" ]; then
  echo "== installing dependencies (program and policy pack)"
  npm ci --no-audit --no-fund
  npm ci --no-audit --no-fund --prefix policies
fi

if [ "${SKIP_MODEL_PULL:-}" != "1" ]; then
  # Every GGUF file the stack uses, from the commits models.lock.json pins; a file already
  # there is kept when its size, header and sha256 match (hashing it takes a while).
  echo "== model files of stack ${stack} (SKIP_MODEL_PULL=1 skips this)"
  npm run --silent models -- pull --stack "$stack"
fi

state_dir="${HOME}/.pulumi-local-ai-suite"
mkdir -p "$state_dir"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://${state_dir}}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  # Secrets (gateway master key, ...) are encrypted with this passphrase; keep the file safe.
  export PULUMI_CONFIG_PASSPHRASE_FILE="${state_dir}/passphrase"
  if [ ! -s "$PULUMI_CONFIG_PASSPHRASE_FILE" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 > "$PULUMI_CONFIG_PASSPHRASE_FILE")
    echo "== generated a passphrase for stack secrets in $PULUMI_CONFIG_PASSPHRASE_FILE"
  fi
fi

"$pulumi_cli" login "$PULUMI_BACKEND_URL"
"$pulumi_cli" stack select "$stack" --create --secrets-provider passphrase
if [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  echo "== to run pulumi yourself later: export PULUMI_CONFIG_PASSPHRASE_FILE=${PULUMI_CONFIG_PASSPHRASE_FILE}"
fi
exec "$pulumi_cli" up --stack "$stack" \
  --policy-pack policies --policy-pack-config "policies/config/${stack}.json" "$@"
