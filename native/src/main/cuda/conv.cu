// Direct convolution as implicit GEMM with shared-memory tiling and float32 accumulation (2-D, any stride,
// per-side padding, dilation and groups). Nothing is materialised: each block gathers its tiles straight from the
// NCHW tensors.
//
// Forward, per group g (blockIdx.z):      Y[m][p] = sum_q A[m][q] * B[q][p] (+ bias[g*kg + m])
//   m  = filter within the group            (M = kg, blockIdx.y tiles of BM)
//   p  = (n, i, j) over N x window          (P = n * wext0 * wext1, blockIdx.x tiles of BN); oh = wlo0 + i, ow = wlo1 + j
//   q  = (r, s, c) with c innermost          (reduction; each (r, s) step walks c in chunks of CONV_BK, zero-padded)
//   A[m][q] = w[g*kg + m][c][r][s],  B[q][p] = x[n][g*cg + c][oh*sh - ph + r*dh][ow*sw - pw + s*dw] (0 outside).
// Backward-data, per group g:             DX[m][p] = sum_q A[m][q] * B[q][p]
//   m  = input channel within the group     (M = cg)
//   p  = (n, ih, iw) over N x window         (window in input space)
//   q  = (r, s, k) with k innermost,  A[m][q] = w[g*kg + k][m][r][s],
//   B[q][p] = dy[n][g*kg + k][oh][ow] where oh = (ih + ph - r*dh) / sh when that division is exact and in range
//             (likewise ow), else 0.
// Ordering the reduction with the channel innermost keeps one (ih, iw) per thread for a whole channel chunk, so
// the gather needs no division in the inner loop; the price is zero-padding when the channel count is not a
// multiple of CONV_BK.
//
// Thread mapping (NT threads in TY thread rows of TX = NT/TY): tx = tid % TX, ty = tid / TX; a thread owns rows
// ty + TY*i (i < BM/TY) and columns tx + TX*jj (jj < BN/TX) of the block tile, so shared-memory reads are broadcasts (A) or
// consecutive (B) and global writes along p are consecutive. Tile loads: B element (kk, p) by thread p = tid % BN
// (fixed pixel per thread for the whole kernel), kk = tid / BN + (NT/BN)*l; A element (kk, m) by m = tid % BM,
// kk = tid / BM + (NT/BM)*l. The 8x8 register tiles (m128n128, m64n128) do 4 FMAs per shared-memory load, enough
// to keep the FMA pipes fed; m16n256 (one thread row: each thread holds all 16 rows, read as four float4
// broadcasts) does 16 FMAs per 5 loads for layers with <= 16 filters; the smaller tiles serve few pixels.
#include "common.cuh"

// Offset in the source plane (x forward, dy backward-data) that tap rs = (r, s) reads for the pixel (pa, pc) (output
// position forward, input position backward-data), or -1 where it reads padding or the pixel is not valid.
template <bool BWD>
__device__ __forceinline__ int64_t conv_tap(const ConvParams& p, bool pvalid, int pa, int pc, int srcH, int srcW,
                                            int rs) {
    const int kr = rs / p.s;
    const int ks = rs - kr * p.s;
    int sa, sc;
    bool ok;
    if (!BWD) {
        sa = pa * p.sh - p.ph + kr * p.dh;
        sc = pc * p.sw - p.pw + ks * p.dw;
        ok = pvalid && sa >= 0 && sa < srcH && sc >= 0 && sc < srcW;
    } else {
        const int ta = pa + p.ph - kr * p.dh;
        const int tc = pc + p.pw - ks * p.dw;
        sa = ta / p.sh;
        sc = tc / p.sw;
        ok = pvalid && ta >= 0 && tc >= 0 && sa * p.sh == ta && sc * p.sw == tc && sa < srcH && sc < srcW;
    }
    return ok ? (int64_t) sa * srcW + sc : -1;
}

template <int BM, int BN, int NT, int TY, bool BWD, bool PIPE>
__device__ __forceinline__ void conv_gemm(const float* SC_RESTRICT src, const float* SC_RESTRICT wt,
                                          const float* SC_RESTRICT bias, float* SC_RESTRICT dst, const ConvParams& p) {
    constexpr int TX = NT / TY;
    static_assert(NT % TY == 0 && BM % TY == 0 && BN % TX == 0 && NT % BM == 0 && NT % BN == 0, "tile shape");
    // With one thread row (TY == 1) every thread owns all BM rows, read from shared memory as float4 broadcasts.
    constexpr bool VEC_A = TY == 1 && BM % 4 == 0;
    constexpr int TM = BM / TY;
    constexpr int TN = BN / TX;
    constexpr int A_LOADS = CONV_BK * BM / NT;
    constexpr int B_LOADS = CONV_BK * BN / NT;
    constexpr int A_STEP = NT / BM;
    constexpr int B_STEP = NT / BN;
    constexpr int STAGES = PIPE ? 2 : 1;
    __shared__ __align__(16) float As[STAGES][CONV_BK][BM];
    __shared__ float Bs[STAGES][CONV_BK][BN];

    const int tid = threadIdx.x;
    const int tx = tid % TX;
    const int ty = tid / TX;
    const int g = blockIdx.z;
    const int M = BWD ? p.cg : p.kg;            // GEMM rows
    const int RC = BWD ? p.kg : p.cg;           // reduction channels per (r, s)
    const int m0 = blockIdx.y * BM;
    const int plane = p.wext0 * p.wext1;
    const int P = p.n * plane;

    // This thread's gather pixel (fixed for the whole kernel).
    const int pb = blockIdx.x * BN + tid % BN;
    const bool pvalid = pb < P;
    const int pn = pvalid ? pb / plane : 0;
    const int prem = pb - pn * plane;
    const int pa = p.wlo0 + prem / p.wext1;     // oh (fwd) or ih (bwd)
    const int pc = p.wlo1 + prem % p.wext1;     // ow (fwd) or iw (bwd)
    // Source plane geometry: x (fwd) or dy (bwd).
    const int srcC = BWD ? p.k : p.c;
    const int srcH = BWD ? p.oh : p.h;
    const int srcW = BWD ? p.ow : p.w;
    const int64_t srcPlane = (int64_t) srcH * srcW;
    const float* srcImg = src + (int64_t) pn * srcC * srcPlane + (int64_t) g * RC * srcPlane;

    float acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; i++) {
#pragma unroll
        for (int j = 0; j < TN; j++) {
            acc[i][j] = 0.0f;
        }
    }

    // The reduction walks T = RS x chunks tiles of CONV_BK: tap (r, s) outer, channel chunk inner. The loader's
    // position (lrs, lc0) and the source offset of its tap (loff, -1 for padding) move one tile per fetch.
    const int RS = p.r * p.s;
    const int T = RS * ((RC + CONV_BK - 1) / CONV_BK);
    int lrs = 0;
    int lc0 = 0;
    int64_t loff = conv_tap<BWD>(p, pvalid, pa, pc, srcH, srcW, 0);
    float ra[A_LOADS];
    float rb[B_LOADS];
    // Global memory to registers: the loader's tile, then the loader moves on.
    auto fetch = [&]() {
#pragma unroll
        for (int l = 0; l < B_LOADS; l++) {
            const int ch = lc0 + tid / BN + B_STEP * l;
            rb[l] = (loff >= 0 && ch < RC) ? srcImg[loff + (int64_t) ch * srcPlane] : 0.0f;
        }
#pragma unroll
        for (int l = 0; l < A_LOADS; l++) {
            const int m = m0 + tid % BM;
            const int ch = lc0 + tid / BM + A_STEP * l;
            float v = 0.0f;
            if (m < M && ch < RC) {
                // fwd: w[g*kg + m][ch][kr][ks]; bwd: w[g*kg + ch][m][kr][ks]
                const int64_t wi = BWD ? ((int64_t) (g * p.kg + ch) * p.cg + m) * RS + lrs
                                       : ((int64_t) (g * p.kg + m) * p.cg + ch) * RS + lrs;
                v = wt[wi];
            }
            ra[l] = v;
        }
        lc0 += CONV_BK;
        if (lc0 >= RC) {
            lc0 = 0;
            if (++lrs < RS) {
                loff = conv_tap<BWD>(p, pvalid, pa, pc, srcH, srcW, lrs);
            }
        }
    };
    // Registers to shared-memory stage s.
    auto stash = [&](int s) {
#pragma unroll
        for (int l = 0; l < B_LOADS; l++) {
            Bs[s][tid / BN + B_STEP * l][tid % BN] = rb[l];
        }
#pragma unroll
        for (int l = 0; l < A_LOADS; l++) {
            As[s][tid / BM + A_STEP * l][tid % BM] = ra[l];
        }
    };
    // The register-tile product of shared-memory stage s.
    auto compute = [&](int s) {
#pragma unroll
        for (int kk = 0; kk < CONV_BK; kk++) {
            float a[TM];
            float b[TN];
            if constexpr (VEC_A) {
#pragma unroll
                for (int i = 0; i < TM; i += 4) {
                    const float4 v = *reinterpret_cast<const float4*>(&As[s][kk][i]);
                    a[i] = v.x;
                    a[i + 1] = v.y;
                    a[i + 2] = v.z;
                    a[i + 3] = v.w;
                }
            } else {
#pragma unroll
                for (int i = 0; i < TM; i++) {
                    a[i] = As[s][kk][ty + TY * i];
                }
            }
#pragma unroll
            for (int j = 0; j < TN; j++) {
                b[j] = Bs[s][kk][tx + TX * j];
            }
#pragma unroll
            for (int i = 0; i < TM; i++) {
#pragma unroll
                for (int j = 0; j < TN; j++) {
                    acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
                }
            }
        }
    };
    if constexpr (PIPE) {
        // Two stages: the global loads of tile t + 1 are in flight while tile t is multiplied, and one barrier per
        // tile suffices (stage t & 1 is rewritten only after every thread passed the barrier that ended its use).
        fetch();
        stash(0);
        __syncthreads();
        for (int t = 0; t < T; t++) {
            const bool more = t + 1 < T;
            if (more) {
                fetch();
            }
            compute(t & 1);
            if (more) {
                stash((t + 1) & 1);
            }
            __syncthreads();
        }
    } else {
        for (int t = 0; t < T; t++) {
            fetch();
            stash(0);
            __syncthreads();
            compute(0);
            __syncthreads();
        }
    }

    // Store: dst is y (fwd, channels k) or dx (bwd, channels c); the pixel p is decoded again per column.
    const int dstC = BWD ? p.c : p.k;
    const int dstH = BWD ? p.h : p.oh;
    const int dstW = BWD ? p.w : p.ow;
#pragma unroll
    for (int j = 0; j < TN; j++) {
        const int pp = blockIdx.x * BN + tx + TX * j;
        if (pp >= P) {
            continue;
        }
        const int n = pp / plane;
        const int rem = pp - n * plane;
        const int a = p.wlo0 + rem / p.wext1;
        const int c = p.wlo1 + rem % p.wext1;
#pragma unroll
        for (int i = 0; i < TM; i++) {
            const int m = m0 + ty + TY * i;
            if (m < M) {
                const int ch = g * M + m;
                const float bv = (!BWD && bias != nullptr) ? bias[ch] : 0.0f;
                dst[(((int64_t) n * dstC + ch) * dstH + a) * dstW + c] = acc[i][j] + bv;
            }
        }
    }
}

// The tile shapes: name, BM (rows), BN (pixels), NT (threads), TY (thread rows). The host picks by M (filters per
// group forward, channels per group backward-data) and by the number of pixels, or measures them all (ConvLaunch /
// CudaConv in conv/, which mirror this table), so layers with few filters do not waste most of a tile and large
// layers get the 8x8 register tiles. Each tile comes plain (one shared-memory stage, load / barrier / multiply /
// barrier) and as _pipe (two stages, the next tile's loads overlapping the multiply). Every variant adds the same
// products in the same order, so all give bit-identical results.
#define SC_CONV_TILES(X)                                                                                           \
    X(m64, 64, 64, 256, 16)                                                                                        \
    X(m32, 32, 128, 256, 16)                                                                                       \
    X(m16, 16, 128, 256, 16)                                                                                       \
    X(m128n128, 128, 128, 256, 16)                                                                                 \
    X(m64n128, 64, 128, 128, 8)                                                                                    \
    X(m16n256, 16, 256, 256, 1)

#define SC_CONV_VARIANT(SUFFIX, BM, BN, NT, TY, PIPE)                                                              \
    extern "C" __global__ void __launch_bounds__(NT)                                                              \
    sc_conv_fwd_##SUFFIX(const float* x, const float* w, const float* bias, float* y, ConvParams p) {              \
        conv_gemm<BM, BN, NT, TY, false, PIPE>(x, w, bias, y, p);                                                  \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(NT)                                                              \
    sc_conv_bwd_data_##SUFFIX(const float* dy, const float* w, float* dx, ConvParams p) {                          \
        conv_gemm<BM, BN, NT, TY, true, PIPE>(dy, w, nullptr, dx, p);                                              \
    }
#define SC_CONV_INSTANCES(NAME, BM, BN, NT, TY)                                                                    \
    SC_CONV_VARIANT(NAME, BM, BN, NT, TY, false)                                                                   \
    SC_CONV_VARIANT(NAME##_pipe, BM, BN, NT, TY, true)

SC_CONV_TILES(SC_CONV_INSTANCES)
