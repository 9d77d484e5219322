// Replays kernel launches recorded by the Java host code (CudaLaunchReplayTest) under the host emulation, so the
// Java side's kernel names, launch geometry and argument lists are checked against the real kernel signatures.
// stdin, whitespace-separated:
//   buf ID COUNT v1..vCOUNT                  declare a device array with its contents
//   launch NAME GX GY GZ BLOCK NARGS ARGS... each arg: "b ID" | "n" (null) | "i V" | "f V" | "s N v1..vN"
//   dump ID                                  print "dump ID COUNT v1..vCOUNT" on stdout
// Any mismatch (unknown kernel, wrong argument kind or struct size, out-of-bounds write) exits non-zero.
#include <math.h>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include "emu.hpp"
#include "pack.cu"
#include "conv.cu"
#include "conv_filter.cu"
#include "bias.cu"
#include "batchnorm.cu"
#include "elementwise.cu"
#include "pool.cu"

static const int GUARD = 256;  // canary floats on each side of every array
static const float CANARY = -1234.5f;
struct Arr {
    std::vector<float> v;
    float* p() { return v.data() + GUARD; }
};
static std::map<int, Arr> arrays;

[[noreturn]] static void die(const std::string& m) {
    std::fprintf(stderr, "replay: %s\n", m.c_str());
    std::exit(1);
}

struct Args {
    std::vector<std::string> kind;
    std::vector<float*> ptr;
    std::vector<double> num;
    std::vector<std::vector<int>> st;
    size_t at = 0;
    float* b(const char* k) {
        need("b", k);
        return ptr[at++];
    }
    int i(const char* k) {
        need("i", k);
        return (int) num[at++];
    }
    float f(const char* k) {
        need("f", k);
        return (float) num[at++];
    }
    template <typename S>
    S s(const char* k) {
        need("s", k);
        const auto& f = st[at++];
        if (f.size() * sizeof(int) != sizeof(S)) die(std::string(k) + ": struct has " + std::to_string(f.size()) + " ints, kernel expects " + std::to_string(sizeof(S) / sizeof(int)));
        S out;
        std::memcpy(&out, f.data(), sizeof(S));
        return out;
    }
    void need(const char* want, const char* k) {
        if (at >= kind.size()) die(std::string(k) + ": too few arguments");
        if (kind[at] != want && !(kind[at] == "n" && std::string(want) == "b"))
            die(std::string(k) + ": argument " + std::to_string(at) + " is '" + kind[at] + "', kernel expects '" + want + "'");
    }
    void end(const char* k) {
        if (at != kind.size()) die(std::string(k) + ": too many arguments");
    }
};

static void run(const std::string& name, dim3 g, dim3 blk, Args& a) {
    const char* k = name.c_str();
    auto conv_fwd = [&](auto fn) {
        float *x = a.b(k), *w = a.b(k), *bias = a.b(k), *y = a.b(k);
        auto p = a.s<ConvParams>(k);
        a.end(k);
        emu_launch(g, blk, fn, (const float*) x, (const float*) w, (const float*) bias, y, p);
    };
    auto conv_bwd = [&](auto fn) {
        float *dy = a.b(k), *w = a.b(k), *dx = a.b(k);
        auto p = a.s<ConvParams>(k);
        a.end(k);
        emu_launch(g, blk, fn, (const float*) dy, (const float*) w, dx, p);
    };
    auto conv_filter = [&](auto fn) {
        float *x = a.b(k), *dy = a.b(k), *ws = a.b(k);
        auto p = a.s<ConvParams>(k);
        int splits = a.i(k);
        a.end(k);
        emu_launch(g, blk, fn, (const float*) x, (const float*) dy, ws, p, splits);
    };
    if (name == "sc_conv_fwd_m64") conv_fwd(sc_conv_fwd_m64);
    else if (name == "sc_conv_fwd_m32") conv_fwd(sc_conv_fwd_m32);
    else if (name == "sc_conv_fwd_m16") conv_fwd(sc_conv_fwd_m16);
    else if (name == "sc_conv_fwd_m128n128") conv_fwd(sc_conv_fwd_m128n128);
    else if (name == "sc_conv_fwd_m64n128") conv_fwd(sc_conv_fwd_m64n128);
    else if (name == "sc_conv_fwd_m16n256") conv_fwd(sc_conv_fwd_m16n256);
    else if (name == "sc_conv_bwd_data_m16n256") conv_bwd(sc_conv_bwd_data_m16n256);
    else if (name == "sc_conv_bwd_data_m128n128") conv_bwd(sc_conv_bwd_data_m128n128);
    else if (name == "sc_conv_bwd_data_m64n128") conv_bwd(sc_conv_bwd_data_m64n128);
    else if (name == "sc_conv_bwd_data_m64") conv_bwd(sc_conv_bwd_data_m64);
    else if (name == "sc_conv_bwd_data_m32") conv_bwd(sc_conv_bwd_data_m32);
    else if (name == "sc_conv_bwd_data_m16") conv_bwd(sc_conv_bwd_data_m16);
    else if (name == "sc_conv_bwd_filter_m64") conv_filter(sc_conv_bwd_filter_m64);
    else if (name == "sc_conv_bwd_filter_m16") conv_filter(sc_conv_bwd_filter_m16);
    else if (name == "sc_splitk_reduce") {
        float *ws = a.b(k), *dw = a.b(k);
        int count = a.i(k), splits = a.i(k), acc = a.i(k);
        a.end(k);
        emu_launch(g, blk, sc_splitk_reduce, (const float*) ws, dw, count, splits, acc);
    } else if (name == "sc_bias_grad") {
        float *dy = a.b(k), *db = a.b(k);
        int v[9];
        for (int& x : v) x = a.i(k);
        a.end(k);
        emu_launch(g, blk, sc_bias_grad, (const float*) dy, db, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    } else if (name == "sc_pack4") {
        float *src = a.b(k), *buf = a.b(k);
        auto box = a.s<Box4>(k);
        a.end(k);
        emu_launch(g, blk, sc_pack4, (const float*) src, buf, box);
    } else if (name == "sc_unpack4") {
        float *buf = a.b(k), *dst = a.b(k);
        auto box = a.s<Box4>(k);
        int acc = a.i(k);
        a.end(k);
        emu_launch(g, blk, sc_unpack4, (const float*) buf, dst, box, acc);
    } else if (name == "sc_relu_fwd") {
        float *x = a.b(k), *y = a.b(k);
        int n = a.i(k);
        a.end(k);
        emu_launch(g, blk, sc_relu_fwd, (const float*) x, y, n);
    } else if (name == "sc_relu_bwd") {
        float *y = a.b(k), *dy = a.b(k), *dx = a.b(k);
        int n = a.i(k);
        a.end(k);
        emu_launch(g, blk, sc_relu_bwd, (const float*) y, (const float*) dy, dx, n);
    } else if (name == "sc_bias_add") {
        float *y = a.b(k), *bias = a.b(k);
        int v[8];
        for (int& x : v) x = a.i(k);
        a.end(k);
        emu_launch(g, blk, sc_bias_add, y, (const float*) bias, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    } else if (name == "sc_bn_stats") {
        float *x = a.b(k), *mean = a.b(k), *invstd = a.b(k);
        int n = a.i(k), c = a.i(k), hw = a.i(k);
        float eps = a.f(k);
        a.end(k);
        emu_launch(g, blk, sc_bn_stats, (const float*) x, mean, invstd, n, c, hw, eps);
    } else if (name == "sc_bn_apply" || name == "sc_bn_bwd_reduce") {
        float* p[6];
        for (auto& q : p) q = a.b(k);
        int n = a.i(k), c = a.i(k), hw = a.i(k);
        a.end(k);
        if (name == "sc_bn_apply")
            emu_launch(g, blk, sc_bn_apply, (const float*) p[0], p[1], (const float*) p[2], (const float*) p[3],
                       (const float*) p[4], (const float*) p[5], n, c, hw);
        else
            emu_launch(g, blk, sc_bn_bwd_reduce, (const float*) p[0], (const float*) p[1], (const float*) p[2],
                       (const float*) p[3], p[4], p[5], n, c, hw);
    } else if (name == "sc_bn_bwd_data") {
        float* p[8];
        for (auto& q : p) q = a.b(k);
        int n = a.i(k), c = a.i(k), hw = a.i(k);
        a.end(k);
        emu_launch(g, blk, sc_bn_bwd_data, (const float*) p[0], (const float*) p[1], (const float*) p[2],
                   (const float*) p[3], (const float*) p[4], (const float*) p[5], (const float*) p[6], p[7], n, c, hw);
    } else if (name == "sc_pool_fwd") {
        float *x = a.b(k), *y = a.b(k), *arg = a.b(k);
        auto pp = a.s<PoolParams>(k);
        int isMax = a.i(k);
        a.end(k);
        emu_launch(g, blk, sc_pool_fwd, (const float*) x, y, (int*) arg, pp, isMax);
    } else if (name == "sc_pool_bwd") {
        float *dy = a.b(k), *arg = a.b(k), *dx = a.b(k);
        auto pp = a.s<PoolParams>(k);
        int isMax = a.i(k);
        a.end(k);
        emu_launch(g, blk, sc_pool_bwd, (const float*) dy, (const int*) arg, dx, pp, isMax);
    } else if (name == "sc_sgd_momentum") {
        float *w = a.b(k), *gr = a.b(k), *v = a.b(k);
        int n = a.i(k);
        float lr = a.f(k), mu = a.f(k), wd = a.f(k);
        int first = a.i(k);
        a.end(k);
        emu_launch(g, blk, sc_sgd_momentum, w, (const float*) gr, v, n, lr, mu, wd, first);
    } else if (name == "sc_adam") {
        float *w = a.b(k), *gr = a.b(k), *m = a.b(k), *v = a.b(k);
        int n = a.i(k);
        float f[7];
        for (float& x : f) x = a.f(k);
        a.end(k);
        emu_launch(g, blk, sc_adam, w, (const float*) gr, m, v, n, f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
    } else {
        die("unknown kernel " + name);
    }
}

int main() {
    std::ios::sync_with_stdio(false);
    std::string cmd;
    while (std::cin >> cmd) {
        if (cmd == "buf") {
            int id;
            long n;
            std::cin >> id >> n;
            Arr a;
            a.v.assign(n + 2 * GUARD, CANARY);
            for (long i = 0; i < n; i++) std::cin >> a.v[GUARD + i];
            arrays[id] = std::move(a);
        } else if (cmd == "launch") {
            std::string name;
            unsigned gx, gy, gz, block;
            int nargs;
            std::cin >> name >> gx >> gy >> gz >> block >> nargs;
            Args a;
            for (int i = 0; i < nargs; i++) {
                std::string kd;
                std::cin >> kd;
                a.kind.push_back(kd);
                a.ptr.push_back(nullptr);
                a.num.push_back(0);
                a.st.emplace_back();
                if (kd == "b") {
                    int id;
                    std::cin >> id;
                    if (!arrays.count(id)) die("unknown array " + std::to_string(id));
                    a.ptr.back() = arrays[id].p();
                } else if (kd == "i" || kd == "f") {
                    std::cin >> a.num.back();
                } else if (kd == "s") {
                    int n;
                    std::cin >> n;
                    a.st.back().resize(n);
                    for (int& v : a.st.back()) std::cin >> v;
                } else if (kd != "n") {
                    die("bad argument kind " + kd);
                }
            }
            // The convolution kernels index threads assuming their compiled block size.
            unsigned want = name.find("m64n128") != std::string::npos ? 128 : 256;
            if (block != want && name.rfind("sc_conv", 0) == 0) die(name + " needs " + std::to_string(want) + " threads, got " + std::to_string(block));
            run(name, dim3{gx, gy, gz}, dim3{block}, a);
            for (auto& [id, arr] : arrays) {
                long n = (long) arr.v.size() - 2 * GUARD;
                for (int i = 0; i < GUARD; i++) {
                    if (arr.v[i] != CANARY || arr.v[GUARD + n + i] != CANARY) die(name + " wrote outside array " + std::to_string(id));
                }
            }
        } else if (cmd == "dump") {
            int id;
            std::cin >> id;
            Arr& a = arrays.at(id);
            long n = (long) a.v.size() - 2 * GUARD;
            std::printf("dump %d %ld", id, n);
            for (long i = 0; i < n; i++) std::printf(" %.9g", a.v[GUARD + i]);
            std::printf("\n");
        } else {
            die("unknown command " + cmd);
        }
    }
    return 0;
}
