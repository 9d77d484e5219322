// A tiny host emulation of the CUDA execution model, just enough to run the Spatialconv kernels' C++ on the CPU:
// each block runs alone, its threads are fibers (ucontext) on the calling thread, switched at __syncthreads, which
// is a barrier: every fiber of the block runs up to it before any goes on; __shared__ becomes a function-local
// static (shared by the block's fibers because only one block runs at a time). A block whose threads do not all
// meet at the same barriers (some finished while others wait) is reported and aborts. It checks index mapping,
// tiling and synchronisation logic; it says nothing about speed, warp behaviour or the memory model of a real GPU.
#pragma once
#include <ucontext.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

// The running launch's fibers: one per CUDA thread of the block, and the scheduler context they yield to.
struct EmuFibers {
    std::vector<ucontext_t> fiber;
    std::vector<dim3> tid;
    std::vector<char> finished;
    std::vector<std::unique_ptr<char[]>> stacks;
    ucontext_t scheduler;
    unsigned running = 0;
};
inline thread_local EmuFibers* emu_fibers = nullptr;

// The calling thread's fibers and their stacks, shared by every kernel's launches and reused.
inline EmuFibers& emu_fiber_pool() {
    static thread_local EmuFibers pool;
    return pool;
}

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
    EmuFibers* f = emu_fibers;
    swapcontext(&f->fiber[f->running], &f->scheduler);  // back here once every fiber reached the barrier
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
    const size_t STACK = 256 * 1024;
    EmuFibers& f = emu_fiber_pool();
    if (f.stacks.size() < nt) {
        f.fiber.resize(nt);
        f.tid.resize(nt);
        f.finished.resize(nt);
        while (f.stacks.size() < nt) f.stacks.emplace_back(new char[STACK]);
    }
    emu_fibers = &f;
    // The fiber's entry: ucontext passes ints, so the kernel call is reached through a thread-local pointer.
    static thread_local std::function<void()>* body = nullptr;
    std::function<void()> call = [&] { kernel(args...); };
    for (unsigned bz = 0; bz < grid.z; bz++) {
        for (unsigned by = 0; by < grid.y; by++) {
            for (unsigned bx = 0; bx < grid.x; bx++) {
                blockIdx = dim3{bx, by, bz};
                for (unsigned t = 0; t < nt; t++) {
                    f.tid[t] = dim3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
                    f.finished[t] = 0;
                    getcontext(&f.fiber[t]);
                    f.fiber[t].uc_stack.ss_sp = f.stacks[t].get();
                    f.fiber[t].uc_stack.ss_size = STACK;
                    f.fiber[t].uc_link = &f.scheduler;
                    makecontext(&f.fiber[t], (void (*)()) + [] {
                        (*body)();
                        emu_fibers->finished[emu_fibers->running] = 1;
                    }, 0);
                }
                // Rounds: each fiber runs until its next barrier or its end; the block is done when all ended.
                for (;;) {
                    unsigned ended = 0;
                    for (unsigned t = 0; t < nt; t++) {
                        if (f.finished[t]) {
                            ended++;
                            continue;
                        }
                        f.running = t;
                        threadIdx = f.tid[t];
                        body = &call;
                        swapcontext(&f.scheduler, &f.fiber[t]);
                        ended += f.finished[t];
                    }
                    if (ended == nt) break;
                    if (ended != 0) {
                        std::fprintf(stderr, "emu: block (%u,%u,%u): %u of %u threads ended while the others wait at "
                                     "__syncthreads\n", bx, by, bz, ended, nt);
                        std::abort();
                    }
                }
            }
        }
    }
    emu_fibers = nullptr;
}
