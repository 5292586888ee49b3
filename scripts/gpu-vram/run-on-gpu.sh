#!/usr/bin/env bash
# The GPU half of the VRAM measurement (issue 20), for a machine with an NVIDIA GPU, the CUDA toolkit, cmake
# and a C++ compiler, and no network. <dir> is what scripts/gpu-vram/prepare.ts wrote (the sdist, the models'
# headers, plan.json). It builds llama-server b9851 with CUDA (one architecture, the server target only; about
# 6 min on 16 cores), materialises the sparse models, starts the plan's servers together with the plan's own argv
# at -lv 4, waits until both listen, records nvidia-smi's per-process memory, stops them, and leaves the logs
# in <dir>/out (or $OUT when set) for scripts/gpu-vram/compare.ts. Python 3 reads plan.json.
#
#   bash scripts/gpu-vram/run-on-gpu.sh <dir> [--arch 90] [--dry-run]
#
# --dry-run does everything but the CUDA build and the servers: it checks the inputs, materialises the models
# and prints the commands (CI runs it).
set -euo pipefail
dir="${1:?usage: run-on-gpu.sh <dir> [--arch 90] [--dry-run]}"
shift
arch=native dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="$2"; shift 2 ;;
    --dry-run) dry=1; shift ;;
    *) echo "run-on-gpu: unknown argument $1" >&2; exit 2 ;;
  esac
done
dir="$(cd "$dir" && pwd)"
out="${OUT:-$dir/out}"
mkdir -p "$out"
plan() { python3 -c "import json,sys; p=json.load(open('$dir/plan.json')); $1"; }
sdist="$(plan 'print(p["sdist"])')"
[ -f "$dir/$sdist" ] || { echo "run-on-gpu: $dir/$sdist is missing (run prepare.ts)" >&2; exit 1; }

# The models: each header padded out to its file size with a hole (all-zero tensor data).
for header in "$dir"/models/*.header; do
  model="${header%.header}"
  size="$(cat "$model.size")"
  if [ ! -f "$model" ] || [ "$(stat -c %s "$model")" != "$size" ]; then
    cp "$header" "$model.partial" && truncate -s "$size" "$model.partial" && mv "$model.partial" "$model"
  fi
done

server="$dir/build/bin/llama-server"
if [ "$dry" = 0 ]; then
  command -v nvcc >/dev/null || { echo "run-on-gpu: nvcc not found (the CUDA toolkit)" >&2; exit 1; }
  if [ ! -x "$server" ]; then
    mkdir -p "$dir/src"
    tar -xzf "$dir/$sdist" -C "$dir/src" --strip-components=1
    cmake -S "$dir/src/llama.cpp" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$arch" \
      -DLLAMA_BUILD_NUMBER="$(plan 'import re; print(re.search(r"-(\d+)\.0\.0", p["sdist"]).group(1))')" \
      -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF > "$out/cmake.log" 2>&1
    cmake --build "$dir/build" -j "$(nproc)" --target llama-server >> "$out/cmake.log" 2>&1
  fi
  nvidia-smi --query-gpu=name,memory.total,memory.used --format=csv > "$out/gpu.csv"
fi

# One server per planned inference container, on its own port, with the plan's argv (host, port and model path local).
pids=()
port=18100
while IFS=$'\t' read -r service argv; do
  port=$((port + 1))
  cmd=("$server")
  read -r -a planned <<< "$argv"
  for ((i = 0; i < ${#planned[@]}; i++)); do
    case "${planned[$i]}" in
      --host) cmd+=(--host 127.0.0.1); i=$((i + 1)) ;;
      --port) cmd+=(--port "$port"); i=$((i + 1)) ;;
      --model) cmd+=(--model "$dir/models/$(basename "${planned[$((i + 1))]}")"); i=$((i + 1)) ;;
      *) cmd+=("${planned[$i]}") ;;
    esac
  done
  cmd+=(-lv 4)
  echo "$service: ${cmd[*]}" | tee -a "$out/commands.txt"
  if [ "$dry" = 0 ]; then
    "${cmd[@]}" > "$out/$service.log" 2>&1 &
    pids+=("$!")
    echo "$service $!" >> "$out/pids.txt"
    for _ in $(seq 1 600); do grep -q "listening on" "$out/$service.log" && break; sleep 0.5; done
    grep -q "listening on" "$out/$service.log" || { echo "run-on-gpu: $service did not start" >&2; tail -20 "$out/$service.log" >&2; }
  fi
done < <(plan 'print("\n".join(s["service"] + "\t" + " ".join(s["argv"]) for s in p["servers"]))')

if [ "$dry" = 0 ]; then
  nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits > "$out/processes.csv"
  kill "${pids[@]}" 2>/dev/null || true
  wait || true
fi
cp "$dir/plan.json" "$out/plan.json"
echo "run-on-gpu: $([ "$dry" = 1 ] && echo "dry run: ")results in $out"
