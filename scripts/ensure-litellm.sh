#!/usr/bin/env bash
# Makes sure the LiteLLM proxy of one exact version is installed in a cached
# virtualenv (.cache/litellm-<version>/) and prints the path of its `litellm`
# executable on stdout. Progress goes to stderr. Usage: ensure-litellm.sh <version>
# The version comes from PINNED_IMAGES.litellm (lib/gateway/litellm-version.ts),
# so the tested proxy is the one the stack deploys.
set -euo pipefail

version="${1:-}"
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "ensure-litellm: expected a version such as 1.108.11, got '${version}'" >&2
  exit 2
fi
# PyPI litellm 1.82.7 and 1.82.8 were malicious releases (supply-chain attack, 2026-03).
case "$version" in
  1.82.7|1.82.8) echo "ensure-litellm: refusing litellm ${version}: a known-malicious PyPI release" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${root}/.cache/litellm-${version}"
exe="${venv}/bin/litellm"
python="${PYTHON:-python3}"

installed_version() {
  "${venv}/bin/python" -c "import importlib.metadata as m; print(m.version('litellm'))" 2>/dev/null || true
}

if [[ -x "$exe" && "$(installed_version)" == "$version" ]]; then
  echo "$exe"
  exit 0
fi

if ! command -v "$python" >/dev/null 2>&1; then
  echo "ensure-litellm: ${python} not found; install Python 3.10+ (or set PYTHON=/path/to/python3)" >&2
  exit 1
fi

echo "ensure-litellm: creating ${venv} with ${python} ($("$python" --version 2>&1))" >&2
rm -rf "$venv"
if ! "$python" -m venv "$venv" >&2; then
  echo "ensure-litellm: '${python} -m venv' failed; install the venv module (e.g. apt-get install python3-venv)" >&2
  rm -rf "$venv"
  exit 1
fi

# Every transitive dependency is pinned to the set this version was tested with, so a
# fresh CI machine installs the same proxy (regenerate with `pip freeze` when bumping).
constraints="${root}/scripts/litellm-${version}.constraints.txt"
if [[ ! -f "$constraints" ]]; then
  echo "ensure-litellm: no ${constraints}; install once without it, test, then save 'pip freeze' there" >&2
  exit 1
fi
echo "ensure-litellm: pip install litellm[proxy]==${version} with pinned dependencies (takes a minute or two the first time)" >&2
started=$SECONDS
if ! "${venv}/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
    -c "$constraints" "litellm[proxy]==${version}" >&2; then
  echo "ensure-litellm: pip install failed; PyPI must be reachable (or a mirror set via PIP_INDEX_URL)" >&2
  rm -rf "$venv"
  exit 1
fi
echo "ensure-litellm: installed litellm $(installed_version) in $((SECONDS - started)) s" >&2

if [[ ! -x "$exe" || "$(installed_version)" != "$version" ]]; then
  echo "ensure-litellm: install finished but ${exe} (version ${version}) is missing" >&2
  exit 1
fi
echo "$exe"
