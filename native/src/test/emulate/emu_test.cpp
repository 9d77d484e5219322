// Runs every Spatialconv kernel under the host emulation (emu.hpp) against float64 loops, over seeded random
// shapes, and counts what it checked. Build and run: native/src/test/emulate/run.sh [seed]
#include <math.h>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include "emu.hpp"
#include "pack.cu"
#include "conv.cu"
#include "conv_filter.cu"
#include "bias.cu"
#include "elementwise.cu"
#include "batchnorm.cu"
#include "pool.cu"

static const double TOL = 1e-5;  // relative L2, as the Java contract tests
static std::mt19937_64 rng;
static int checks = 0, failures = 0;

static int ri(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
static std::vector<float> rnd(size_t n) {
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}
static double rel(const std::vector<float>& got, const std::vector<double>& want) {
    double num = 0, den = 0;
    for (size_t i = 0; i < got.size(); i++) {
        double d = got[i] - want[i];
        num += d * d;
        den += want[i] * want[i];
    }
    return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}
// Relative L2 error over the elements marked in `in` (a window of the output), relative to want there or, when
// given, to scale (the magnitudes behind want: TF32's rounding error is relative to them, not to a sum that may
// cancel); infinite when an element outside the window is not exactly its sentinel want[i] (the kernel wrote where
// it must not). A whole-tensor error would let the sentinels dilute errors inside a small window.
static double windowed(const std::vector<float>& got, const std::vector<double>& want, const std::vector<char>& in,
                       const std::vector<double>* scale = nullptr) {
    double num = 0, den = 0;
    for (size_t i = 0; i < got.size(); i++) {
        if (in[i]) {
            num += (got[i] - want[i]) * (got[i] - want[i]);
            double d = scale ? (*scale)[i] : want[i];
            den += d * d;
        } else if ((double) got[i] != want[i]) {
            return INFINITY;
        }
    }
    return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}
// L2 error of got against want, relative to the L2 norm of scale (the magnitudes behind want, for sums that cancel).
static double scaledError(const std::vector<float>& got, const std::vector<double>& want,
                          const std::vector<double>& scale) {
    double num = 0, den = 0;
    for (size_t i = 0; i < got.size(); i++) {
        num += (got[i] - want[i]) * (got[i] - want[i]);
        den += scale[i] * scale[i];
    }
    return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}
static void check(const char* what, double err, const std::string& ctx) {
    checks++;
    if (!(err < TOL)) {
        failures++;
        std::printf("FAIL %s err=%.3g %s\n", what, err, ctx.c_str());
    }
}
// The TF32 kernels' tolerance, relative to the sum of the products' magnitudes: each TF32 operand carries a
// relative rounding error up to 2^-11, so a product up to about 2^-10.
static const double TOL_TF32 = 2e-3;
static int tf32Checks = 0;
static double tf32Worst = 0;
static void checkTf32(const char* what, double err, const std::string& ctx) {
    checks++;
    tf32Checks++;
    tf32Worst = std::max(tf32Worst, err);
    if (!(err < TOL_TF32)) {
        failures++;
        std::printf("FAIL %s err=%.3g (TF32 tolerance %.0e) %s\n", what, err, TOL_TF32, ctx.c_str());
    }
}
static unsigned cdiv(long a, long b) { return (unsigned) ((a + b - 1) / b); }

struct Geo {
    int n, c, h, w, k, groups, r, s, sh, sw, ph, pw, phh, pwh, dh, dw, oh, ow;
};
static Geo randomGeo() {
    for (;;) {
        Geo g{};
        g.groups = ri(1, 3);
        int cg = ri(0, 3) == 0 ? ri(15, 20) : ri(1, 5);
        int kg = ri(0, 3) == 0 ? ri(30, 70) : ri(1, 6);
        g.n = ri(1, 3); g.c = cg * g.groups; g.k = kg * g.groups;
        g.h = ri(1, 11); g.w = ri(1, 11); g.r = ri(1, 4); g.s = ri(1, 4);
        g.sh = ri(1, 3); g.sw = ri(1, 3); g.ph = ri(0, 2); g.pw = ri(0, 2); g.phh = ri(0, 2); g.pwh = ri(0, 2);
        g.dh = ri(1, 2); g.dw = ri(1, 2);
        int a = g.h + g.ph + g.phh - g.dh * (g.r - 1) - 1, b = g.w + g.pw + g.pwh - g.dw * (g.s - 1) - 1;
        if (a < 0 || b < 0) continue;
        g.oh = a / g.sh + 1; g.ow = b / g.sw + 1;
        return g;
    }
}
static std::string str(const Geo& g) {
    char b[256];
    std::snprintf(b, sizeof b, "n%d c%d %dx%d k%d g%d r%ds%d st%d,%d pad%d,%d/%d,%d dil%d,%d", g.n, g.c, g.h, g.w, g.k,
                  g.groups, g.r, g.s, g.sh, g.sw, g.ph, g.pw, g.phh, g.pwh, g.dh, g.dw);
    return b;
}
static ConvParams params(const Geo& g, int lo0, int lo1, int e0, int e1) {
    return ConvParams{g.n, g.c, g.h, g.w, g.k, g.oh, g.ow, g.groups, g.c / g.groups, g.k / g.groups, g.r, g.s,
                      g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, lo0, lo1, e0, e1, 0};
}
// Visits every (y index, x index, w index) triple of the convolution (x index -1 when padding).
template <typename F>
static void each(const Geo& g, F f) {
    int cg = g.c / g.groups, kg = g.k / g.groups;
    for (int n = 0; n < g.n; n++) for (int k = 0; k < g.k; k++) for (int oh = 0; oh < g.oh; oh++)
    for (int ow = 0; ow < g.ow; ow++) for (int c = 0; c < cg; c++) for (int r = 0; r < g.r; r++)
    for (int s = 0; s < g.s; s++) {
        int ih = oh * g.sh - g.ph + r * g.dh, iw = ow * g.sw - g.pw + s * g.dw;
        if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
        int ci = (k / kg) * cg + c;
        f(((n * g.k + k) * g.oh + oh) * g.ow + ow, ((n * g.c + ci) * g.h + ih) * g.w + iw,
          ((k * cg + c) * g.r + r) * g.s + s, oh, ow);
    }
}

static void testConv(int cases) {
    for (int t = 0; t < cases; t++) {
        Geo g = randomGeo();
        int cg = g.c / g.groups, kg = g.k / g.groups;
        auto x = rnd((size_t) g.n * g.c * g.h * g.w), w = rnd((size_t) g.k * cg * g.r * g.s), bias = rnd(g.k);
        auto dy = rnd((size_t) g.n * g.k * g.oh * g.ow);
        std::vector<double> y(dy.size(), 0), dx(x.size(), 0), dw(w.size(), 0);
        // Sums of the terms' magnitudes (bias included), the scale of TF32's rounding error for each output.
        std::vector<double> yAbs(dy.size(), 0), dxAbs(x.size(), 0);
        each(g, [&](int yi, int xi, int wi, int, int) {
            y[yi] += (double) x[xi] * w[wi];
            dx[xi] += (double) dy[yi] * w[wi];
            dw[wi] += (double) dy[yi] * x[xi];
            yAbs[yi] += std::abs((double) x[xi] * w[wi]);
            dxAbs[xi] += std::abs((double) dy[yi] * w[wi]);
        });
        int plane = g.oh * g.ow;
        for (size_t i = 0; i < y.size(); i++) {
            y[i] += bias[(i / plane) % g.k];
            yAbs[i] += std::abs(bias[(i / plane) % g.k]);
        }
        // Forward over a random output window, each tile shape, plain and pipelined; outside the window must stay
        // untouched, and every variant must give the same bits (same products, same order).
        int lo0 = ri(0, g.oh - 1), lo1 = ri(0, g.ow - 1), e0 = ri(1, g.oh - lo0), e1 = ri(1, g.ow - lo1);
        {
            std::vector<double> want(y.size(), 7.0);
            std::vector<char> in(y.size(), 0);
            for (int n = 0; n < g.n; n++) for (int k = 0; k < g.k; k++) for (int a = lo0; a < lo0 + e0; a++)
                for (int b = lo1; b < lo1 + e1; b++) {
                    int i = ((n * g.k + k) * g.oh + a) * g.ow + b;
                    want[i] = y[i];
                    in[i] = 1;
                }
            ConvParams p = params(g, lo0, lo1, e0, e1);
            long P = (long) g.n * e0 * e1;
            std::vector<float> first;
            auto run = [&](auto kern, int bm, int bn, unsigned nt, const std::string& tile) {
                std::vector<float> out(y.size(), 7.0f);
                emu_launch(dim3{cdiv(P, bn), cdiv(kg, bm), (unsigned) g.groups}, dim3{nt}, kern, x.data(), w.data(),
                           bias.data(), out.data(), p);
                check("conv_fwd", windowed(out, want, in), str(g) + " tile " + tile);
                if (first.empty()) first = out;
                else check("conv_fwd_same_bits", out == first ? 0.0 : 1.0, str(g) + " tile " + tile);
            };
#define SC_TEST_FWD(NAME, BM, BN, NT, TY)                                                                          \
            run(sc_conv_fwd_##NAME, BM, BN, NT, #NAME);                                                            \
            run(sc_conv_fwd_##NAME##_pipe, BM, BN, NT, #NAME "_pipe");
            SC_CONV_TILES(SC_TEST_FWD)
#undef SC_TEST_FWD
            // TF32 tensor cores: inputs rounded to 10 mantissa bits, so a looser, named tolerance.
            std::vector<float> out(y.size(), 7.0f);
            emu_launch(dim3{cdiv(P, 128), cdiv(kg, 128), (unsigned) g.groups}, dim3{256}, sc_conv_fwd_m128n128_tf32,
                       x.data(), w.data(), bias.data(), out.data(), p);
            checkTf32("conv_fwd_tf32", windowed(out, want, in, &yAbs), str(g));
        }
        // Backward-data over a random input window.
        lo0 = ri(0, g.h - 1); lo1 = ri(0, g.w - 1); e0 = ri(1, g.h - lo0); e1 = ri(1, g.w - lo1);
        {
            std::vector<double> want(x.size(), 7.0);
            std::vector<char> in(x.size(), 0);
            for (int n = 0; n < g.n; n++) for (int c = 0; c < g.c; c++) for (int a = lo0; a < lo0 + e0; a++)
                for (int b = lo1; b < lo1 + e1; b++) {
                    int i = ((n * g.c + c) * g.h + a) * g.w + b;
                    want[i] = dx[i];
                    in[i] = 1;
                }
            ConvParams p = params(g, lo0, lo1, e0, e1);
            long P = (long) g.n * e0 * e1;
            std::vector<float> first;
            auto run = [&](auto kern, int bm, int bn, unsigned nt, const std::string& tile) {
                std::vector<float> out(x.size(), 7.0f);
                emu_launch(dim3{cdiv(P, bn), cdiv(cg, bm), (unsigned) g.groups}, dim3{nt}, kern, dy.data(), w.data(),
                           out.data(), p);
                check("conv_bwd_data", windowed(out, want, in), str(g) + " tile " + tile);
                if (first.empty()) first = out;
                else check("conv_bwd_data_same_bits", out == first ? 0.0 : 1.0, str(g) + " tile " + tile);
            };
#define SC_TEST_BWD(NAME, BM, BN, NT, TY)                                                                          \
            run(sc_conv_bwd_data_##NAME, BM, BN, NT, #NAME);                                                       \
            run(sc_conv_bwd_data_##NAME##_pipe, BM, BN, NT, #NAME "_pipe");
            SC_CONV_TILES(SC_TEST_BWD)
#undef SC_TEST_BWD
            std::vector<float> out(x.size(), 7.0f);
            emu_launch(dim3{cdiv(P, 128), cdiv(cg, 128), (unsigned) g.groups}, dim3{256},
                       sc_conv_bwd_data_m128n128_tf32, dy.data(), w.data(), out.data(), p);
            checkTf32("conv_bwd_data_tf32", windowed(out, want, in, &dxAbs), str(g));
        }
        // Backward-filter over a random dy window, split-K, every tile shape, overwrite and accumulate.
        lo0 = ri(0, g.oh - 1); lo1 = ri(0, g.ow - 1); e0 = ri(1, g.oh - lo0); e1 = ri(1, g.ow - lo1);
        std::vector<double> dwWin(w.size(), 0);
        each(g, [&](int yi, int xi, int wi, int oh, int ow) {
            if (oh >= lo0 && oh < lo0 + e0 && ow >= lo1 && ow < lo1 + e1) dwWin[wi] += (double) dy[yi] * x[xi];
        });
        // Every tile, plain and pipelined, with its own random split factor; all must agree with the reference.
        auto filter = [&](auto kern, int bm, int bn, const std::string& tile) {
            int acc = ri(0, 1);
            ConvParams p = params(g, lo0, lo1, e0, e1);
            int tiles = (int) cdiv((long) g.n * e0 * e1, CONV_BK);
            int splits = std::min(ri(1, 4), tiles);
            p.split_tiles = (int) cdiv(tiles, splits);
            splits = (int) cdiv(tiles, p.split_tiles);
            std::vector<float> ws((size_t) splits * w.size(), NAN);
            emu_launch(dim3{cdiv((long) cg * g.r * g.s, bn), cdiv(kg, bm), (unsigned) (g.groups * splits)}, dim3{256},
                       kern, x.data(), dy.data(), ws.data(), p, splits);
            std::vector<float> out = rnd(w.size());
            std::vector<double> want(w.size());
            for (size_t i = 0; i < w.size(); i++) want[i] = dwWin[i] + (acc ? out[i] : 0.0);
            emu_launch(dim3{cdiv((long) w.size(), 256)}, dim3{256}, sc_splitk_reduce, (const float*) ws.data(),
                       out.data(), (int) w.size(), splits, acc);
            check("conv_bwd_filter", rel(out, want), str(g) + " tile " + tile + " splits " + std::to_string(splits));
        };
#define SC_TEST_FILTER(NAME, BM, BN, TY)                                                                             \
        filter(sc_conv_bwd_filter_##NAME, BM, BN, #NAME);                                                          \
        filter(sc_conv_bwd_filter_##NAME##_pipe, BM, BN, #NAME "_pipe");
        SC_CONV_FILTER_TILES(SC_TEST_FILTER)
#undef SC_TEST_FILTER
        // Bias gradient over the same dy window, and bias add over it.
        {
            int acc = ri(0, 1);
            std::vector<float> db = rnd(g.k);
            std::vector<double> want(g.k);
            for (int k = 0; k < g.k; k++) {
                double s = acc ? db[k] : 0.0;
                for (int n = 0; n < g.n; n++) for (int a = lo0; a < lo0 + e0; a++) for (int b = lo1; b < lo1 + e1; b++)
                    s += dy[((n * g.k + k) * g.oh + a) * g.ow + b];
                want[k] = s;
            }
            emu_launch(dim3{(unsigned) g.k}, dim3{256}, sc_bias_grad, (const float*) dy.data(), db.data(), g.n, g.k,
                       g.oh, g.ow, lo0, lo1, e0, e1, acc);
            check("bias_grad", rel(db, want), str(g));
            std::vector<float> yy = dy;
            std::vector<double> wy(dy.begin(), dy.end());
            for (int n = 0; n < g.n; n++) for (int k = 0; k < g.k; k++) for (int a = lo0; a < lo0 + e0; a++)
                for (int b = lo1; b < lo1 + e1; b++) wy[((n * g.k + k) * g.oh + a) * g.ow + b] += bias[k];
            emu_launch(dim3{3}, dim3{64}, sc_bias_add, yy.data(), (const float*) bias.data(), g.n, g.k, g.oh, g.ow,
                       lo0, lo1, e0, e1);
            check("bias_add", rel(yy, wy), str(g));
        }
    }
}

static void testPack(int cases) {
    for (int t = 0; t < cases; t++) {
        Box4 b{};
        int size = 1;
        for (int d = 0; d < 4; d++) {
            b.dim[d] = ri(1, 9);
            b.lo[d] = ri(0, b.dim[d] - 1);
            b.ext[d] = ri(1, b.dim[d] - b.lo[d]);
            size *= b.dim[d];
        }
        int count = b.ext[0] * b.ext[1] * b.ext[2] * b.ext[3];
        auto src = rnd(size);
        std::vector<float> buf(count, NAN);
        emu_launch(dim3{cdiv(b.ext[3], 32), (unsigned) ri(1, 5)}, dim3{32}, sc_pack4, (const float*) src.data(),
                   buf.data(), b);
        std::vector<double> want(count);
        std::vector<double> acc(src.begin(), src.end());
        int i = 0;
        for (int a = 0; a < b.ext[0]; a++) for (int c = 0; c < b.ext[1]; c++) for (int d = 0; d < b.ext[2]; d++)
            for (int e = 0; e < b.ext[3]; e++, i++) {
                int off = (((b.lo[0] + a) * b.dim[1] + b.lo[1] + c) * b.dim[2] + b.lo[2] + d) * b.dim[3] + b.lo[3] + e;
                want[i] = src[off];
                acc[off] += src[off];
            }
        check("pack4", rel(buf, want), "");
        std::vector<float> dst = src;
        emu_launch(dim3{cdiv(b.ext[3], 32), (unsigned) ri(1, 5)}, dim3{32}, sc_unpack4, (const float*) buf.data(),
                   dst.data(), b, 1);
        check("unpack4_accumulate", rel(dst, acc), "");
        std::vector<float> dst2(size, 0.0f);
        emu_launch(dim3{cdiv(b.ext[3], 32), 2}, dim3{32}, sc_unpack4, (const float*) buf.data(), dst2.data(), b, 0);
        std::vector<float> back(count);
        emu_launch(dim3{cdiv(b.ext[3], 32), 3}, dim3{32}, sc_pack4, (const float*) dst2.data(), back.data(), b);
        check("unpack4_roundtrip", rel(back, want), "");
    }
}

static void testBatchNormPoolElementwise(int cases) {
    for (int t = 0; t < cases; t++) {
        int n = ri(1, 3), c = ri(1, 4), h = ri(1, 9), w = ri(1, 9), hw = h * w, total = n * c * hw;
        auto x = rnd(total), dy = rnd(total), gamma = rnd(c), beta = rnd(c);
        for (auto& v : x) v = v * 3.0f + 5.0f;  // offset mean: the statistics must not cancel
        const float eps = 1e-5f;
        std::vector<double> mu(c, 0), var(c, 0), is(c), y(total), dg(c, 0), dbt(c, 0), dx(total);
        double m = (double) n * hw;
        for (int i = 0; i < total; i++) mu[(i / hw) % c] += x[i] / m;
        for (int i = 0; i < total; i++) { double d = x[i] - mu[(i / hw) % c]; var[(i / hw) % c] += d * d / m; }
        for (int k = 0; k < c; k++) is[k] = 1.0 / std::sqrt(var[k] + eps);
        for (int i = 0; i < total; i++) {
            int k = (i / hw) % c;
            double xh = (x[i] - mu[k]) * is[k];
            y[i] = xh * gamma[k] + beta[k];
            dbt[k] += dy[i];
            dg[k] += dy[i] * xh;
        }
        for (int i = 0; i < total; i++) {
            int k = (i / hw) % c;
            double xh = (x[i] - mu[k]) * is[k];
            dx[i] = gamma[k] * is[k] / m * (m * dy[i] - dbt[k] - xh * dg[k]);
        }
        std::vector<float> fm(c), fi(c), fy(total), fdg(c), fdb(c), fdx(total);
        emu_launch(dim3{(unsigned) c}, dim3{256}, sc_bn_stats, (const float*) x.data(), fm.data(), fi.data(), n, c, hw,
                   eps);
        check("bn_stats_mean", rel(fm, mu), "");
        check("bn_stats_invstd", rel(fi, is), "");
        emu_launch(dim3{2}, dim3{64}, sc_bn_apply, (const float*) x.data(), fy.data(), (const float*) fm.data(),
                   (const float*) fi.data(), (const float*) gamma.data(), (const float*) beta.data(), n, c, hw);
        check("bn_apply", rel(fy, y), "");
        emu_launch(dim3{(unsigned) c}, dim3{256}, sc_bn_bwd_reduce, (const float*) x.data(), (const float*) dy.data(),
                   (const float*) fm.data(), (const float*) fi.data(), fdg.data(), fdb.data(), n, c, hw);
        // Sums of terms of either sign: their error is measured against the sum of the terms' magnitudes.
        {
            std::vector<double> dgAbs(c, 0), dbAbs(c, 0);
            for (int i = 0; i < total; i++) {
                int k = (i / hw) % c;
                dbAbs[k] += std::abs(dy[i]);
                dgAbs[k] += std::abs(dy[i] * (x[i] - mu[k]) * is[k]);
            }
            check("bn_bwd_dgamma", scaledError(fdg, dg, dgAbs), "");
            check("bn_bwd_dbeta", scaledError(fdb, dbt, dbAbs), "");
        }
        emu_launch(dim3{2}, dim3{64}, sc_bn_bwd_data, (const float*) x.data(), (const float*) dy.data(),
                   (const float*) fm.data(), (const float*) fi.data(), (const float*) gamma.data(),
                   (const float*) fdg.data(), (const float*) fdb.data(), fdx.data(), n, c, hw);
        // dx is a difference of terms that cancel (exactly, when n*h*w <= 2), so its error is measured against the
        // size of those terms: |gamma*invstd/M| * (M*|dy| + |dbeta| + |xhat*dgamma|), in L2 over the tensor.
        {
            std::vector<double> scale(total);
            for (int i = 0; i < total; i++) {
                int k = (i / hw) % c;
                double xh = (x[i] - mu[k]) * is[k];
                scale[i] = std::abs(gamma[k] * is[k] / m) * (m * std::abs(dy[i]) + std::abs(dbt[k]) + std::abs(xh * dg[k]));
            }
            char ctx[96];
            std::snprintf(ctx, sizeof ctx, "n%d c%d %dx%d", n, c, h, w);
            check("bn_bwd_data", scaledError(fdx, dx, scale), ctx);
        }

        // Pooling, max and average.
        for (int isMax = 0; isMax < 2; isMax++) {
            PoolParams p{n, c, h, w, 0, 0, ri(1, 3), ri(1, 3), ri(1, 3), ri(1, 3), 0, 0};
            p.ph = ri(0, p.kh / 2); p.pw = ri(0, p.kw / 2);
            p.oh = (h + 2 * p.ph - p.kh) / p.sh + 1; p.ow = (w + 2 * p.pw - p.kw) / p.sw + 1;
            if (p.oh < 1 || p.ow < 1) continue;
            int ot = n * c * p.oh * p.ow;
            auto gy = rnd(ot);
            std::vector<double> py(ot), pdx(total, 0);
            for (int o = 0; o < ot; o++) {
                int ow = o % p.ow, oh = (o / p.ow) % p.oh, nc = o / (p.ow * p.oh);
                double best = -INFINITY, sum = 0; int arg = -1, cnt = 0;
                for (int a = oh * p.sh - p.ph; a < oh * p.sh - p.ph + p.kh; a++)
                    for (int b = ow * p.sw - p.pw; b < ow * p.sw - p.pw + p.kw; b++) {
                        if (a < 0 || a >= h || b < 0 || b >= w) continue;
                        int i = (nc * h + a) * w + b;
                        sum += x[i]; cnt++;
                        if (x[i] > best) { best = x[i]; arg = i; }
                    }
                py[o] = isMax ? (arg < 0 ? 0 : best) : (cnt ? sum / cnt : 0);
                if (isMax && arg >= 0) pdx[arg] += gy[o];
                if (!isMax && cnt) for (int a = std::max(oh * p.sh - p.ph, 0); a < std::min(oh * p.sh - p.ph + p.kh, h); a++)
                    for (int b = std::max(ow * p.sw - p.pw, 0); b < std::min(ow * p.sw - p.pw + p.kw, w); b++)
                        pdx[(nc * h + a) * w + b] += gy[o] / cnt;
            }
            std::vector<float> fy2(ot), fdx2(total);
            std::vector<int> arg(ot);
            emu_launch(dim3{2}, dim3{64}, sc_pool_fwd, (const float*) x.data(), fy2.data(), arg.data(), p, isMax);
            check(isMax ? "maxpool_fwd" : "avgpool_fwd", rel(fy2, py), "");
            emu_launch(dim3{2}, dim3{64}, sc_pool_bwd, (const float*) gy.data(), (const int*) arg.data(), fdx2.data(), p,
                       isMax);
            check(isMax ? "maxpool_bwd" : "avgpool_bwd", rel(fdx2, pdx), "");
        }

        // ReLU and the optimizers.
        std::vector<float> r(total), rd(total);
        std::vector<double> wr(total), wrd(total);
        for (int i = 0; i < total; i++) { wr[i] = std::max(dy[i], 0.0f); }
        emu_launch(dim3{2}, dim3{64}, sc_relu_fwd, (const float*) dy.data(), r.data(), total);
        check("relu_fwd", rel(r, wr), "");
        for (int i = 0; i < total; i++) { wrd[i] = r[i] > 0 ? x[i] : 0.0; }
        emu_launch(dim3{2}, dim3{64}, sc_relu_bwd, (const float*) r.data(), (const float*) x.data(), rd.data(), total);
        check("relu_bwd", rel(rd, wrd), "");
        auto wt = rnd(total), gr = rnd(total), vel = rnd(total), mom = rnd(total), v2 = rnd(total);
        for (auto& q : v2) q = std::fabs(q);
        std::vector<double> ws(total), wa(total);
        const float lr = 0.1f, mu2 = 0.9f, wd = 0.01f, b1 = 0.9f, b2 = 0.999f, aeps = 1e-8f;
        const int step = 3;
        const double bc1 = 1 - std::pow(0.9, step), bc2 = 1 - std::pow(0.999, step);
        for (int i = 0; i < total; i++) {
            double g2 = gr[i] + (double) wd * wt[i];
            ws[i] = wt[i] - lr * (mu2 * vel[i] + g2);
            double mm = b1 * mom[i] + (1 - b1) * g2, vv = b2 * v2[i] + (1 - b2) * g2 * g2;
            wa[i] = wt[i] - lr * (mm / bc1) / (std::sqrt(vv / bc2) + aeps);
        }
        std::vector<float> w1 = wt, w2 = wt;
        emu_launch(dim3{2}, dim3{64}, sc_sgd_momentum, w1.data(), (const float*) gr.data(), vel.data(), total, lr, mu2,
                   wd, 0);
        check("sgd_momentum", rel(w1, ws), "");
        emu_launch(dim3{2}, dim3{64}, sc_adam, w2.data(), (const float*) gr.data(), mom.data(), v2.data(), total, lr, b1,
                   b2, aeps, wd, (float) bc1, (float) bc2);
        check("adam", rel(w2, wa), "");
    }
}

int main(int argc, char** argv) {
    unsigned long seed = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20261124UL;
    int convCases = argc > 2 ? std::atoi(argv[2]) : 40;
    rng.seed(seed);
    testPack(60);
    testConv(convCases);
    testBatchNormPoolElementwise(20);
    std::printf("emulated kernels: %d checks, %d failures (seed %lu, tolerance %.0e relative L2; %d TF32 checks at "
                "%.0e, worst %.2e)\n", checks, failures, seed, TOL, tf32Checks, TOL_TF32, tf32Worst);
    return failures == 0 ? 0 : 1;
}
