#!/usr/bin/env bash
# Re-runs the compute-kernel tests (Category=Kernels) under each instruction-set configuration the kernels
# dispatch on, so every path stays correct, not only the one this machine picks by default:
#   default                              widest accelerated width (Vector512 on AVX-512 hardware)
#   DOTNET_PreferredVectorBitWidth=256   Vector256 path (AVX2 + FMA)
#   DOTNET_EnableAVX2=0                  Vector128 path without FMA (SSE4 / AVX only: separate multiply and add)
#   DOTNET_EnableHWIntrinsic=0           no hardware intrinsics: the scalar fallbacks
# Usage (from the repository root): bash tests/KerasPort.Tests/Compute/run-isa-matrix.sh [-c Release]
set -euo pipefail
cd "$(dirname "$0")/../../.."
dotnet build tests/KerasPort.Tests "$@" >/dev/null
status=0
for config in "" "DOTNET_PreferredVectorBitWidth=256" "DOTNET_EnableAVX2=0" "DOTNET_EnableHWIntrinsic=0"; do
  echo "== ${config:-default} =="
  if ! env $config dotnet test tests/KerasPort.Tests --no-build "$@" --filter "Category=Kernels" 2>&1 | grep -E "Passed!|Failed!|\[FAIL\]"; then
    status=1
  fi
done
exit $status
