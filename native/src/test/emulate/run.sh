#!/usr/bin/env bash
# Compiles the kernels with g++ under the CUDA emulation in emu.hpp and checks them against float64 loops.
# Usage: native/src/test/emulate/run.sh [seed] [conv-cases]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/spatialconv-emu-$$
g++ -std=c++20 -O1 -fno-strict-aliasing -pthread -x c++ -I "$here/../../main/cuda" -o "$out" "$here/emu_test.cpp"
trap 'rm -f "$out"' EXIT
"$out" "$@"
