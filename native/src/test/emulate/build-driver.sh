#!/usr/bin/env bash
# Builds the emulated CUDA driver (emulated_driver.cpp: a libcuda.so.1 that runs the kernels on the CPU) into
# OUT_DIR/libcuda.so.1, for the GPU tests' emulated-driver runs (see docs/cuda.md). Rebuilds only when a source
# changed. Without g++ it prints one notice and exits 0; the emulated runs then skip with the reason.
# Usage: build-driver.sh OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cuda="$here/../../main/cuda"
out=${1:?output dir}
lib="$out/libcuda.so.1"
mkdir -p "$out"
if [[ "${SPATIALCONV_SKIP_EMULATED_DRIVER:-0}" == 1 ]]; then
    rm -f "$lib"
    echo "[spatialconv-native] SPATIALCONV_SKIP_EMULATED_DRIVER=1: emulated CUDA driver not built"
    exit 0
fi
if ! command -v g++ >/dev/null 2>&1; then
    rm -f "$lib"
    echo "[spatialconv-native] g++ not found on PATH: emulated CUDA driver not built (its GPU test runs will skip)"
    exit 0
fi
if [[ -f "$lib" && -z "$(find "$here" "$cuda" -type f -newer "$lib" | head -n 1)" ]]; then
    echo "[spatialconv-native] emulated CUDA driver up to date"
    exit 0
fi
echo "[spatialconv-native] building the emulated CUDA driver (g++)"
g++ -std=c++20 -O2 -fPIC -shared -fvisibility=hidden -fno-strict-aliasing -pthread -Wall -Wno-unknown-pragmas \
    -Wno-sign-compare -x c++ -I "$cuda" -Wl,-soname,libcuda.so.1 -o "$lib.tmp" "$here/emulated_driver.cpp"
mv "$lib.tmp" "$lib"
