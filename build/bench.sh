#!/usr/bin/env bash
# Runs the issue-6 benchmark suite and writes benchmarks/RESULTS.md:
#   1. builds benchmarks/NormGen.Benchmarks (Release) and checks all C# implementations agree (--verify);
#   2. BenchmarkDotNet: generated layer, scalar peer, TensorPrimitives peer and the copy yardstick;
#   3. the PyTorch CPU peer (build/bench_torch.py) when /usr/bin/python3 has torch, else reported as missing;
#   4. build/bench_report.py merges both into the markdown table.
# Usage: build/bench.sh [BenchmarkDotNet arguments]   (default: --filter '*', every benchmark)
# Environment: NORMGEN_BENCH_CLOCK=cpu (default) times CPU time of the benchmark thread / process, so time spent
#                descheduled on a shared machine is not counted; NORMGEN_BENCH_CLOCK=wall uses wall-clock time;
#              NORMGEN_BENCH_SHAPES=32x128,256x512 limits the shapes (both suites);
#              NORMGEN_BENCH_OUT=dir puts the raw results there (default artifacts/bench, git-ignored);
#              NORMGEN_BENCH_RESULTS=file overrides the markdown output (default benchmarks/RESULTS.md).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${NORMGEN_BENCH_OUT:-$repo/artifacts/bench}"
results="${NORMGEN_BENCH_RESULTS:-$repo/benchmarks/RESULTS.md}"
project="$repo/benchmarks/NormGen.Benchmarks"
export NORMGEN_BENCH_CLOCK="${NORMGEN_BENCH_CLOCK:-cpu}"
command_line="build/bench.sh${*:+ $*}"
if [[ "$NORMGEN_BENCH_CLOCK" != cpu ]]; then
  command_line="NORMGEN_BENCH_CLOCK=$NORMGEN_BENCH_CLOCK $command_line"
fi
if [[ -n "${NORMGEN_BENCH_SHAPES:-}" ]]; then
  command_line="NORMGEN_BENCH_SHAPES=$NORMGEN_BENCH_SHAPES $command_line"
fi

started=$(date +%s)
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$out"
mkdir -p "$out"

echo "== build (Release)"
dotnet build "$project" -c Release -nologo -v quiet
dll="$project/bin/Release/net10.0/NormGen.Benchmarks.dll"

echo "== verify: generated, scalar and TensorPrimitives against a double-precision reference"
verify_shapes=()
if [[ -n "${NORMGEN_BENCH_SHAPES:-}" ]]; then
  IFS=',' read -r -a verify_shapes <<< "$NORMGEN_BENCH_SHAPES"
fi
dotnet "$dll" --verify "${verify_shapes[@]}" --json "$out/allocations.json" | tee "$out/verify.txt"

echo "== BenchmarkDotNet"
bdn_args=("$@")
if [[ ${#bdn_args[@]} -eq 0 ]]; then
  bdn_args=(--filter '*')
fi
# The out-of-process toolchain finds the project from the working directory.
(cd "$project" && dotnet "$dll" "${bdn_args[@]}" --artifacts "$out/bdn") | tee "$out/bdn.log"
bdn_json="$(ls "$out"/bdn/results/*-report-brief.json | head -n 1)"

echo "== PyTorch"
torch_json="$out/torch.json"
if torch_error="$(/usr/bin/python3 -c 'import torch' 2>&1)"; then
  torch_args=(--output "$torch_json" --clock "$NORMGEN_BENCH_CLOCK")
  if [[ -n "${NORMGEN_BENCH_SHAPES:-}" ]]; then
    torch_args+=(--shapes "$NORMGEN_BENCH_SHAPES")
  fi
  /usr/bin/python3 "$repo/build/bench_torch.py" "${torch_args[@]}"
else
  reason="$(printf '%s' "$torch_error" | tail -n 1)"
  echo "PyTorch missing: $reason"
  /usr/bin/python3 -c 'import json, sys; json.dump({"missing": "/usr/bin/python3 cannot import torch: " + sys.argv[1]}, open(sys.argv[2], "w"))' \
    "$reason" "$torch_json" 2>/dev/null \
    || python3 -c 'import json, sys; json.dump({"missing": "/usr/bin/python3 cannot import torch"}, open(sys.argv[1], "w"))' "$torch_json"
fi

echo "== report"
python3 "$repo/build/bench_report.py" \
  --bdn "$bdn_json" --torch "$torch_json" --output "$results" \
  --command "$command_line" --clock "$NORMGEN_BENCH_CLOCK" --seconds "$(( $(date +%s) - started ))" \
  --load-before "$load_before" --load-after "$(cut -d' ' -f1-3 /proc/loadavg)" \
  --verify-log "$out/verify.txt" --allocations "$out/allocations.json"
echo "total $(( $(date +%s) - started )) s"
