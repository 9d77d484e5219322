#!/usr/bin/env bash
# Builds the emulated CUDA driver (emulated_driver.cpp: a libcuda.so.1 that runs the kernels on the CPU) into
# DRIVER_DIR/libcuda.so.1, and the emulated optional libraries that work on it (emulated_cudnn.cpp ->
# libcudnn.so.8, emulated_cublas.cpp -> libcublas.so.12) into FASTPATH_DIR, for the GPU tests' emulated runs (see
# docs/cuda.md). The two directories are separate so that a run can have the driver without the fast paths.
# Rebuilds only when a source changed. Without g++ it prints one notice and exits 0; the emulated runs then skip
# with the reason.
# Usage: build-driver.sh DRIVER_DIR FASTPATH_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cuda="$here/../../main/cuda"
out=${1:?driver output dir}
fast=${2:?fast-path output dir}
mkdir -p "$out" "$fast"
out=$(cd "$out" && pwd)
fast=$(cd "$fast" && pwd)
lib="$out/libcuda.so.1"
libs=("$lib" "$fast/libcudnn.so.8" "$fast/libcublas.so.12")
if [[ "${SPATIALCONV_SKIP_EMULATED_DRIVER:-0}" == 1 ]]; then
    rm -f "${libs[@]}"
    echo "[spatialconv-native] SPATIALCONV_SKIP_EMULATED_DRIVER=1: emulated CUDA driver not built"
    exit 0
fi
if ! command -v g++ >/dev/null 2>&1; then
    rm -f "${libs[@]}"
    echo "[spatialconv-native] g++ not found on PATH: emulated CUDA driver not built (its GPU test runs will skip)"
    exit 0
fi
stale=0
for f in "${libs[@]}"; do
    if [[ ! -f "$f" || -n "$(find "$here" "$cuda" -type f -newer "$f" | head -n 1)" ]]; then stale=1; fi
done
if [[ $stale == 0 ]]; then
    echo "[spatialconv-native] emulated CUDA driver, cuDNN and cuBLAS up to date"
    exit 0
fi
echo "[spatialconv-native] building the emulated CUDA driver, cuDNN and cuBLAS (g++)"
flags=(-std=c++20 -O2 -fPIC -shared -fvisibility=hidden -fno-strict-aliasing -pthread -Wall -Wno-unknown-pragmas
    -Wno-sign-compare -x c++)
g++ "${flags[@]}" -I "$cuda" -Wl,-soname,libcuda.so.1 -o "$lib.tmp" "$here/emulated_driver.cpp"
mv "$lib.tmp" "$lib"
# The companions link against the emulated driver; their symbols carry the version nodes the JCudnn / JCublas2
# natives ask for (cudnnCreate@libcudnn.so.8, cublasCreate_v2@libcublas.so.12).
build_companion() {  # source soname prefix
    local map
    map=$(mktemp)
    printf '%s { global: %s*; local: *; };\n' "$2" "$3" >"$map"
    g++ "${flags[@]}" -Wl,-soname,"$2" -Wl,--version-script="$map" -o "$fast/$2.tmp" "$here/$1" -x none \
        -L "$out" -l:libcuda.so.1 -Wl,-rpath,"$out"
    rm -f "$map"
    mv "$fast/$2.tmp" "$fast/$2"
}
build_companion emulated_cudnn.cpp libcudnn.so.8 cudnn
build_companion emulated_cublas.cpp libcublas.so.12 cublas
