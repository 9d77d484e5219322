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
#include <cstring>
#include <type_traits>
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
// Threads of a warp run one after another between barriers, so a warp-level barrier has nothing to wait for.
inline void __syncwarp() {
}

// nvcuda::wmma (TF32 shapes) for the tensor-core kernels, by the API's documented semantics: every thread of the
// warp holds the whole matrix of a fragment (element (r, c) at x[r * cols + c]) and computes the same values, which
// keeps load / mma / store exact without modelling how the hardware spreads elements over lanes (code that indexes
// x[] per lane for anything but an element-wise map would be wrong under this emulation). __float_to_tf32 rounds
// to 10 mantissa bits, to nearest with ties away from zero (cvt.rna.tf32.f32); mma_sync adds the exact products
// in k order in float.
namespace nvcuda {
namespace wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
namespace precision {
struct tf32 {};
}  // namespace precision
enum layout_t { mem_row_major, mem_col_major };
template <typename Use, int M, int N, int K>
struct fragment_dims;
template <int M, int N, int K>
struct fragment_dims<matrix_a, M, N, K> {
    static constexpr int rows = M, cols = K;
};
template <int M, int N, int K>
struct fragment_dims<matrix_b, M, N, K> {
    static constexpr int rows = K, cols = N;
};
template <int M, int N, int K>
struct fragment_dims<accumulator, M, N, K> {
    static constexpr int rows = M, cols = N;
};
template <typename Use, int M, int N, int K, typename T, typename Layout = void>
struct fragment {
    static constexpr int rows = fragment_dims<Use, M, N, K>::rows;
    static constexpr int cols = fragment_dims<Use, M, N, K>::cols;
    static constexpr int num_elements = rows * cols;
    float x[num_elements];
};
inline float __float_to_tf32(float v) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    if ((u & 0x7f800000u) != 0x7f800000u) {
        u = (u + 0x1000u) & 0xffffe000u;
    }
    std::memcpy(&v, &u, 4);
    return v;
}
template <typename Use, int M, int N, int K, typename T, typename Layout>
void load_matrix_sync(fragment<Use, M, N, K, T, Layout>& f, const float* p, unsigned ldm) {
    using F = fragment<Use, M, N, K, T, Layout>;
    if (reinterpret_cast<uintptr_t>(p) % 32 != 0 || ldm % 4 != 0) {
        std::fprintf(stderr, "emu: load_matrix_sync needs a 256-bit aligned pointer and ldm %% 4 == 0\n");
        std::abort();
    }
    for (int r = 0; r < F::rows; r++)
        for (int c = 0; c < F::cols; c++)
            f.x[r * F::cols + c] = std::is_same<Layout, col_major>::value ? p[r + (size_t) c * ldm] : p[(size_t) r * ldm + c];
}
template <int M, int N, int K, typename T>
void fill_fragment(fragment<accumulator, M, N, K, T>& f, float v) {
    for (float& e : f.x) e = v;
}
template <int M, int N, int K, typename T, typename LA, typename LB>
void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, T, LA>& a,
              const fragment<matrix_b, M, N, K, T, LB>& b, const fragment<accumulator, M, N, K, float>& c) {
    float out[M * N];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = c.x[i * N + j];
            for (int k = 0; k < K; k++) s += a.x[i * K + k] * b.x[k * N + j];
            out[i * N + j] = s;
        }
    std::memcpy(d.x, out, sizeof out);
}
template <int M, int N, int K, typename T>
void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, T>& f, unsigned ldm, layout_t layout) {
    if (reinterpret_cast<uintptr_t>(p) % 32 != 0 || ldm % 4 != 0) {
        std::fprintf(stderr, "emu: store_matrix_sync needs a 256-bit aligned pointer and ldm %% 4 == 0\n");
        std::abort();
    }
    for (int r = 0; r < M; r++)
        for (int c = 0; c < N; c++)
            (layout == mem_row_major ? p[(size_t) r * ldm + c] : p[r + (size_t) c * ldm]) = f.x[r * N + c];
}
}  // namespace wmma
}  // namespace nvcuda
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
