#!/usr/bin/env bash
# Compiles the kernels with g++ under the CUDA emulation in emu.hpp and checks them against float64 loops.
# Usage: native/src/test/emulate/run.sh [seed] [conv-cases]
# Part of `mvn test` in native/ (execution emulated-kernel-tests); without g++ it prints a notice and exits 0.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v g++ >/dev/null 2>&1; then
    echo "[spatialconv-native] g++ not found on PATH: emulated kernel tests skipped"
    exit 0
fi
out=${TMPDIR:-/tmp}/spatialconv-emu-$$
g++ -std=c++20 -O1 -fno-strict-aliasing -pthread -x c++ -I "$here/../../main/cuda" -o "$out" "$here/emu_test.cpp"
trap 'rm -f "$out"' EXIT
"$out" "$@"
