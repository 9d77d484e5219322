// A tiny host emulation of the CUDA execution model, just enough to run the Spatialconv kernels' C++ on the CPU:
// each block runs alone, its threads are real std::threads meeting at a std::barrier for __syncthreads, and
// __shared__ becomes a function-local static (shared by the block's threads because only one block runs at a
// time). It checks index mapping, tiling and synchronisation logic; it says nothing about speed, warp behaviour
// or the memory model of a real GPU.
#pragma once
#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;
inline std::barrier<>* emu_barrier = nullptr;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(x)
#define __restrict__
#define __align__(n) __attribute__((aligned(n)))
struct float4 {
    float x, y, z, w;
};
inline void __syncthreads() {
    emu_barrier->arrive_and_wait();
}
inline float rsqrtf(float v) {
    return 1.0f / std::sqrt(v);
}
using std::max;
using std::min;

template <typename F, typename... A>
void emu_launch(dim3 grid, dim3 block, F kernel, A... args) {
    gridDim = grid;
    blockDim = block;
    const unsigned nt = block.x * block.y * block.z;
    // One std::thread per CUDA thread for the whole launch: each walks the blocks in the same order and meets the
    // others at the barrier after every block, so only one block's threads (and __shared__ statics) are live at a
    // time, as when each block had threads of its own, without creating threads per block.
    std::barrier<> bar(nt);
    emu_barrier = &bar;
    std::vector<std::thread> ts;
    ts.reserve(nt);
    for (unsigned t = 0; t < nt; t++) {
        ts.emplace_back([=, &bar] {
            threadIdx = dim3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
            for (unsigned bz = 0; bz < grid.z; bz++) {
                for (unsigned by = 0; by < grid.y; by++) {
                    for (unsigned bx = 0; bx < grid.x; bx++) {
                        blockIdx = dim3{bx, by, bz};
                        kernel(args...);
                        bar.arrive_and_wait();
                    }
                }
            }
        });
    }
    for (auto& th : ts) {
        th.join();
    }
}
