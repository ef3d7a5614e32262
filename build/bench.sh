#!/usr/bin/env bash
# The side-by-side benchmark (issue 12): NormGen's generated layers against PyTorch, oneDNN, ONNX Runtime, scalar and
# TensorPrimitives C#, and the memory roofline, float32, one thread, interleaved in rounds within one invocation.
#   1. builds the driver (benchmarks/NormGen.Benchmarks, Release) and the oneDNN worker (g++ -O2 ... -ldnnl);
#   2. the driver writes every case's data, makes the ONNX models (build/make_bench_onnx.py), starts the PyTorch
#      (build/bench_torch_worker.py) and oneDNN workers, verifies every implementation against a double-precision
#      reference, then times everything in rounds; raw results in artifacts/bench/run.json;
#   3. build/bench_report.py turns run.json into the markdown report.
#
# Usage: build/bench.sh [options]        (from any directory; options go to the driver)
#   --rounds N (default 3)   --quick (one shape per kind, 1 round, short timings)   --kinds K,...   --shapes S,...
#   --peers P,...|none   --peer-threads N|default   --normgen-threads N (0: all; adds a 1-thread NormGen peer)   --verify-only   --keep-data
#   --variants (batch norm: also NormGen renorm with r_max 1, d_max 0, and ghost batch norm with batch/4 per ghost batch,
#   reported as plain NormGen time / variant time)
# A full run (no --quick/--kinds/--shapes/--peers/--verify-only/--normgen-threads/--variants) regenerates benchmarks/RESULTS.md; any other run
# writes artifacts/bench/RESULTS.md. Environment: NORMGEN_BENCH_OUT=dir (default artifacts/bench),
# NORMGEN_BENCH_RESULTS=file (where the markdown goes).
# Needs: the .NET SDK; for the peers, Debian python3-torch, python3-onnx, libdnnl-dev and g++ (a missing one is
# reported as unavailable, and the rest still runs).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
out="${NORMGEN_BENCH_OUT:-$repo/artifacts/bench}"
project="$repo/benchmarks/NormGen.Benchmarks"
python=/usr/bin/python3
started=$(date +%s)
command_line="build/bench.sh${*:+ $*}"

full=1
for arg in "$@"; do
  case "$arg" in
    --quick|--kinds|--shapes|--peers|--verify-only|--normgen-threads|--variants) full=0 ;;
  esac
done
if [[ $full == 1 ]]; then
  results="${NORMGEN_BENCH_RESULTS:-$repo/benchmarks/RESULTS.md}"
else
  results="${NORMGEN_BENCH_RESULTS:-$out/RESULTS.md}"
fi

mkdir -p "$out"
rm -f "$out/run.json" "$out"/*-worker.log

echo "== build the driver (Release)"
dotnet build "$project/NormGen.Benchmarks.csproj" -c Release -nologo -v quiet
dll="$project/bin/Release/net10.0/NormGen.Benchmarks.dll"

echo "== build the oneDNN worker"
worker_args=(--python "$python" --torch-worker "$repo/build/bench_torch_worker.py" --onnx-script "$repo/build/make_bench_onnx.py")
if g++ -O2 -std=c++17 "$repo/build/bench_onednn_worker.cpp" -o "$out/bench_onednn_worker" -ldnnl 2> "$out/onednn-build.log"; then
  worker_args+=(--onednn-worker "$out/bench_onednn_worker")
else
  reason="$(tail -n 1 "$out/onednn-build.log")"
  echo "oneDNN worker did not build: $reason"
  worker_args+=(--missing "onednn=g++ could not build build/bench_onednn_worker.cpp against libdnnl: $reason")
fi

echo "== run"
# Tier-1 promotion without the 100 ms call-counting delay: the JIT warm-up before the first round reaches
# optimized code sooner. Steady-state code is the same.
export DOTNET_TC_CallCountingDelayMs=0
status=0
dotnet "$dll" --out "$out" --command "$command_line" "${worker_args[@]}" "$@" || status=$?
if [[ $status == 2 ]]; then
  exit 2
fi

echo "== report"
"$python" "$repo/build/bench_report.py" --run "$out/run.json" --output "$results" --total-seconds "$(( $(date +%s) - started ))"
echo "wrote $results; total $(( $(date +%s) - started )) s"
exit "$status"
