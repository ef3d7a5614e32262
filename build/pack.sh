#!/usr/bin/env bash
# Packs the NormGen NuGet package: the runtime (runtime/NormGen) in lib/net8.0 and lib/net10.0, the source generator
# (generator/NormGen.Generator) and the IDE code fixes (generator/NormGen.CodeFixes) in analyzers/dotnet/cs, README,
# license and repository metadata, plus symbols (.snupkg).
# Then NormGen.Mpi (runtime/NormGen.Mpi: the MPI worker group), its own package that depends on NormGen and MPI.NET,
# so NormGen itself keeps no dependencies.
# And NormGen.PyTorch (runtime/NormGen.PyTorch, the .pt checkpoint reader), which depends on NormGen and Razorvine.Pickle.
# Usage: build/pack.sh [outdir] [extra dotnet pack arguments...]
#   outdir defaults to artifacts/packages. Extra arguments go to dotnet pack as they are, e.g.
#   -p:ArtifactsPath=/tmp/x builds into a separate folder (the package test does that so it never touches bin/ and obj/).
# Deterministic: ContinuousIntegrationBuild=true maps source paths in the PDBs to /_/, so the same commit gives the
# same assemblies on any machine; the zip entries are stamped with SOURCE_DATE_EPOCH (default: the HEAD commit's time)
# instead of the clock, so the same commit gives the same .nupkg bytes.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/artifacts/packages}"
if [[ $# -gt 0 ]]; then
  shift
fi
mkdir -p "$out"
if [[ -z "${SOURCE_DATE_EPOCH:-}" ]]; then
  SOURCE_DATE_EPOCH="$(git -C "$repo" log -1 --format=%ct 2>/dev/null || true)"
fi
export SOURCE_DATE_EPOCH
out="$(cd "$out" && pwd)"

dotnet pack "$repo/runtime/NormGen/NormGen.csproj" -c Release -o "$out" -nologo \
  -p:ContinuousIntegrationBuild=true "$@"
dotnet pack "$repo/runtime/NormGen.Mpi/NormGen.Mpi.csproj" -c Release -o "$out" -nologo \
  -p:ContinuousIntegrationBuild=true "$@"
dotnet pack "$repo/runtime/NormGen.PyTorch/NormGen.PyTorch.csproj" -c Release -o "$out" -nologo \
  -p:ContinuousIntegrationBuild=true "$@"

ls -1 "$out"/NormGen.*.nupkg "$out"/NormGen.*.snupkg
