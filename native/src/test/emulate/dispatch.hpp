// Binds a Spatialconv kernel, by name, to its arguments under the host emulation (emu.hpp): the one table of the
// kernels' signatures, shared by the launch replay (replay.cpp) and the emulated CUDA driver (emulated_driver.cpp).
//
// An argument source A has: float* b(k) (a device pointer), int i(k), float f(k), template S s<S>(k) (a struct
// passed by value) and end(k) (no arguments left); k is the kernel name, for error messages. Each reads the next
// argument and throws KernelArgError when it does not fit. The bound closure holds copies of every argument
// value, so it may run after the caller's argument storage is gone.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>
#include "emu.hpp"
#include "pack.cu"
#include "conv.cu"
#include "conv_filter.cu"
#include "bias.cu"
#include "batchnorm.cu"
#include "elementwise.cu"
#include "pool.cu"

struct KernelArgError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Every kernel the dispatcher knows, as the fatbin names them.
inline const std::vector<std::string>& emu_kernel_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
#define SC_EMU_CONV_NAMES(NAME, BM, BN, NT, TY)                                                                    \
    for (const char* pass : {"sc_conv_fwd_", "sc_conv_bwd_data_"}) {                                               \
        v.push_back(std::string(pass) + #NAME);                                                                    \
        v.push_back(std::string(pass) + #NAME "_pipe");                                                            \
    }
        SC_CONV_TILES(SC_EMU_CONV_NAMES)
#undef SC_EMU_CONV_NAMES
        v.push_back("sc_conv_fwd_m128n128_tf32");
        v.push_back("sc_conv_bwd_data_m128n128_tf32");
#define SC_EMU_FILTER_NAMES(NAME, BM, BN, TY)                                                                        \
    v.push_back("sc_conv_bwd_filter_" #NAME);                                                                      \
    v.push_back("sc_conv_bwd_filter_" #NAME "_pipe");
        SC_CONV_FILTER_TILES(SC_EMU_FILTER_NAMES)
#undef SC_EMU_FILTER_NAMES
        for (const char* n : {"sc_splitk_reduce", "sc_bias_grad",
                              "sc_pack4", "sc_unpack4", "sc_relu_fwd", "sc_relu_bwd", "sc_bias_add", "sc_bn_stats",
                              "sc_bn_apply", "sc_bn_bwd_reduce", "sc_bn_bwd_data", "sc_pool_fwd", "sc_pool_bwd",
                              "sc_sgd_momentum", "sc_adam"}) {
            v.push_back(n);
        }
        return v;
    }();
    return names;
}

// The block size a kernel's thread indexing assumes (its compiled CONV_THREADS), or 0 where any size works.
inline unsigned emu_required_block(const std::string& name) {
    if (name.rfind("sc_conv_bwd_filter", 0) == 0) return CONV_THREADS;
#define SC_EMU_CONV_BLOCK(NAME, BM, BN, NT, TY)                                                                    \
    for (const char* pass : {"sc_conv_fwd_", "sc_conv_bwd_data_"}) {                                               \
        if (name == std::string(pass) + #NAME || name == std::string(pass) + #NAME "_pipe") return NT;             \
    }
    SC_CONV_TILES(SC_EMU_CONV_BLOCK)
#undef SC_EMU_CONV_BLOCK
    if (name.size() > 5 && name.compare(name.size() - 5, 5, "_tf32") == 0) return 256;
    return 0;
}

// The kernel `name` on grid g and block blk with its arguments read from a; empty for an unknown name.
template <typename A>
std::function<void()> emu_bind(const std::string& name, dim3 g, dim3 blk, A& a) {
    const char* k = name.c_str();
    auto conv_fwd = [&](auto fn) -> std::function<void()> {
        const float *x = a.b(k), *w = a.b(k), *bias = a.b(k);
        float* y = a.b(k);
        auto p = a.template s<ConvParams>(k);
        a.end(k);
        return [=] { emu_launch(g, blk, fn, x, w, bias, y, p); };
    };
    auto conv_bwd = [&](auto fn) -> std::function<void()> {
        const float *dy = a.b(k), *w = a.b(k);
        float* dx = a.b(k);
        auto p = a.template s<ConvParams>(k);
        a.end(k);
        return [=] { emu_launch(g, blk, fn, dy, w, dx, p); };
    };
    auto conv_filter = [&](auto fn) -> std::function<void()> {
        const float *x = a.b(k), *dy = a.b(k);
        float* ws = a.b(k);
        auto p = a.template s<ConvParams>(k);
        int splits = a.i(k);
        a.end(k);
        return [=] { emu_launch(g, blk, fn, x, dy, ws, p, splits); };
    };
#define SC_EMU_CONV_BIND(NAME, BM, BN, NT, TY)                                                                     \
    if (name == "sc_conv_fwd_" #NAME) return conv_fwd(sc_conv_fwd_##NAME);                                         \
    if (name == "sc_conv_fwd_" #NAME "_pipe") return conv_fwd(sc_conv_fwd_##NAME##_pipe);                         \
    if (name == "sc_conv_bwd_data_" #NAME) return conv_bwd(sc_conv_bwd_data_##NAME);                               \
    if (name == "sc_conv_bwd_data_" #NAME "_pipe") return conv_bwd(sc_conv_bwd_data_##NAME##_pipe);
    SC_CONV_TILES(SC_EMU_CONV_BIND)
#undef SC_EMU_CONV_BIND
    if (name == "sc_conv_fwd_m128n128_tf32") return conv_fwd(sc_conv_fwd_m128n128_tf32);
    if (name == "sc_conv_bwd_data_m128n128_tf32") return conv_bwd(sc_conv_bwd_data_m128n128_tf32);
#define SC_EMU_FILTER_BIND(NAME, BM, BN, TY)                                                                         \
    if (name == "sc_conv_bwd_filter_" #NAME) return conv_filter(sc_conv_bwd_filter_##NAME);                       \
    if (name == "sc_conv_bwd_filter_" #NAME "_pipe") return conv_filter(sc_conv_bwd_filter_##NAME##_pipe);
    SC_CONV_FILTER_TILES(SC_EMU_FILTER_BIND)
#undef SC_EMU_FILTER_BIND
    if (name == "sc_splitk_reduce") {
        const float* ws = a.b(k);
        float* dw = a.b(k);
        int count = a.i(k), splits = a.i(k), acc = a.i(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_splitk_reduce, ws, dw, count, splits, acc); };
    }
    if (name == "sc_bias_grad") {
        const float* dy = a.b(k);
        float* db = a.b(k);
        int v[9];
        for (int& x : v) x = a.i(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_bias_grad, dy, db, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]); };
    }
    if (name == "sc_pack4") {
        const float* src = a.b(k);
        float* buf = a.b(k);
        auto box = a.template s<Box4>(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_pack4, src, buf, box); };
    }
    if (name == "sc_unpack4") {
        const float* buf = a.b(k);
        float* dst = a.b(k);
        auto box = a.template s<Box4>(k);
        int acc = a.i(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_unpack4, buf, dst, box, acc); };
    }
    if (name == "sc_relu_fwd") {
        const float* x = a.b(k);
        float* y = a.b(k);
        int n = a.i(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_relu_fwd, x, y, n); };
    }
    if (name == "sc_relu_bwd") {
        const float *y = a.b(k), *dy = a.b(k);
        float* dx = a.b(k);
        int n = a.i(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_relu_bwd, y, dy, dx, n); };
    }
    if (name == "sc_bias_add") {
        float* y = a.b(k);
        const float* bias = a.b(k);
        int v[8];
        for (int& x : v) x = a.i(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_bias_add, y, bias, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]); };
    }
    if (name == "sc_bn_stats") {
        const float* x = a.b(k);
        float *mean = a.b(k), *invstd = a.b(k);
        int n = a.i(k), c = a.i(k), hw = a.i(k);
        float eps = a.f(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_bn_stats, x, mean, invstd, n, c, hw, eps); };
    }
    if (name == "sc_bn_apply" || name == "sc_bn_bwd_reduce") {
        float* p[6];
        for (auto& q : p) q = a.b(k);
        int n = a.i(k), c = a.i(k), hw = a.i(k);
        a.end(k);
        if (name == "sc_bn_apply")
            return [=] {
                emu_launch(g, blk, sc_bn_apply, (const float*) p[0], p[1], (const float*) p[2], (const float*) p[3],
                           (const float*) p[4], (const float*) p[5], n, c, hw);
            };
        return [=] {
            emu_launch(g, blk, sc_bn_bwd_reduce, (const float*) p[0], (const float*) p[1], (const float*) p[2],
                       (const float*) p[3], p[4], p[5], n, c, hw);
        };
    }
    if (name == "sc_bn_bwd_data") {
        float* p[8];
        for (auto& q : p) q = a.b(k);
        int n = a.i(k), c = a.i(k), hw = a.i(k);
        a.end(k);
        return [=] {
            emu_launch(g, blk, sc_bn_bwd_data, (const float*) p[0], (const float*) p[1], (const float*) p[2],
                       (const float*) p[3], (const float*) p[4], (const float*) p[5], (const float*) p[6], p[7], n, c,
                       hw);
        };
    }
    if (name == "sc_pool_fwd") {
        const float* x = a.b(k);
        float *y = a.b(k), *arg = a.b(k);
        auto pp = a.template s<PoolParams>(k);
        int isMax = a.i(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_pool_fwd, x, y, (int*) arg, pp, isMax); };
    }
    if (name == "sc_pool_bwd") {
        const float *dy = a.b(k), *arg = a.b(k);
        float* dx = a.b(k);
        auto pp = a.template s<PoolParams>(k);
        int isMax = a.i(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_pool_bwd, dy, (const int*) arg, dx, pp, isMax); };
    }
    if (name == "sc_sgd_momentum") {
        float* w = a.b(k);
        const float* gr = a.b(k);
        float* v = a.b(k);
        int n = a.i(k);
        float lr = a.f(k), mu = a.f(k), wd = a.f(k);
        int first = a.i(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_sgd_momentum, w, gr, v, n, lr, mu, wd, first); };
    }
    if (name == "sc_adam") {
        float* w = a.b(k);
        const float* gr = a.b(k);
        float *m = a.b(k), *v = a.b(k);
        int n = a.i(k);
        float f[7];
        for (float& x : f) x = a.f(k);
        a.end(k);
        return [=] { emu_launch(g, blk, sc_adam, w, gr, m, v, n, f[0], f[1], f[2], f[3], f[4], f[5], f[6]); };
    }
    return {};
}
