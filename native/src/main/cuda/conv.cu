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
#ifdef __CUDACC__
#include <mma.h>
#endif

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

// The gather of one block's A and B tiles (see the mapping above), shared by the FMA kernels and the tensor-core
// kernel: fetch() reads the loader's next reduction tile from global memory into registers and moves on; stash()
// writes those registers into a shared-memory stage. The reduction walks T = RS x chunks tiles of CONV_BK: tap
// (r, s) outer, channel chunk inner; the loader's position (lrs, lc0) and the source offset of its tap (loff, -1
// for padding) move one tile per fetch.
template <int BM, int BN, int NT, bool BWD>
struct ConvLoader {
    static constexpr int A_LOADS = CONV_BK * BM / NT;
    static constexpr int B_LOADS = CONV_BK * BN / NT;
    static constexpr int A_STEP = NT / BM;
    static constexpr int B_STEP = NT / BN;
    static_assert(NT % BM == 0 && NT % BN == 0, "loader shape");

    const ConvParams p;
    const float* SC_RESTRICT wt;
    const float* srcImg;
    int tid, g, M, RC, RS, T, m0, pa, pc, srcH, srcW;
    bool pvalid;
    int64_t srcPlane;
    int lrs = 0;
    int lc0 = 0;
    int64_t loff;
    float ra[A_LOADS];
    float rb[B_LOADS];

    __device__ __forceinline__ ConvLoader(const float* SC_RESTRICT src, const float* SC_RESTRICT w, const ConvParams& q)
        : p(q), wt(w) {
        tid = threadIdx.x;
        g = blockIdx.z;
        M = BWD ? p.cg : p.kg;    // GEMM rows
        RC = BWD ? p.kg : p.cg;   // reduction channels per (r, s)
        RS = p.r * p.s;
        T = RS * ((RC + CONV_BK - 1) / CONV_BK);
        m0 = blockIdx.y * BM;
        const int plane = p.wext0 * p.wext1;
        // This thread's gather pixel (fixed for the whole kernel).
        const int pb = blockIdx.x * BN + tid % BN;
        pvalid = pb < p.n * plane;
        const int pn = pvalid ? pb / plane : 0;
        const int prem = pb - pn * plane;
        pa = p.wlo0 + prem / p.wext1;  // oh (fwd) or ih (bwd)
        pc = p.wlo1 + prem % p.wext1;  // ow (fwd) or iw (bwd)
        // Source plane geometry: x (fwd) or dy (bwd).
        const int srcC = BWD ? p.k : p.c;
        srcH = BWD ? p.oh : p.h;
        srcW = BWD ? p.ow : p.w;
        srcPlane = (int64_t) srcH * srcW;
        srcImg = src + (int64_t) pn * srcC * srcPlane + (int64_t) g * RC * srcPlane;
        loff = conv_tap<BWD>(p, pvalid, pa, pc, srcH, srcW, 0);
    }

    __device__ __forceinline__ void fetch() {
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
    }

    __device__ __forceinline__ void stash(float (&As)[CONV_BK][BM], float (&Bs)[CONV_BK][BN]) const {
#pragma unroll
        for (int l = 0; l < B_LOADS; l++) {
            Bs[tid / BN + B_STEP * l][tid % BN] = rb[l];
        }
#pragma unroll
        for (int l = 0; l < A_LOADS; l++) {
            As[tid / BM + A_STEP * l][tid % BM] = ra[l];
        }
    }
};

// Runs the reduction: PIPE, two stages (the global loads of tile t + 1 are in flight while tile t is multiplied, and
// one barrier per tile suffices: stage t & 1 is rewritten only after every thread passed the barrier that ended its
// use); otherwise one stage (load, barrier, multiply, barrier). compute(s) multiplies stage s.
template <int BM, int BN, int NT, bool BWD, bool PIPE, typename Compute>
__device__ __forceinline__ void conv_run(ConvLoader<BM, BN, NT, BWD>& ld, float (&As)[PIPE ? 2 : 1][CONV_BK][BM],
                                         float (&Bs)[PIPE ? 2 : 1][CONV_BK][BN], Compute compute) {
    if constexpr (PIPE) {
        ld.fetch();
        ld.stash(As[0], Bs[0]);
        __syncthreads();
        for (int t = 0; t < ld.T; t++) {
            const bool more = t + 1 < ld.T;
            if (more) {
                ld.fetch();
            }
            compute(t & 1);
            if (more) {
                ld.stash(As[(t + 1) & 1], Bs[(t + 1) & 1]);
            }
            __syncthreads();
        }
    } else {
        for (int t = 0; t < ld.T; t++) {
            ld.fetch();
            ld.stash(As[0], Bs[0]);
            __syncthreads();
            compute(0);
            __syncthreads();
        }
    }
}

// The destination element of GEMM row m (within group g) and column pp (a pixel of the window): y (fwd, channels k)
// or dx (bwd, channels c).
template <bool BWD>
__device__ __forceinline__ int64_t conv_dst_index(const ConvParams& p, int g, int m, int pp) {
    const int plane = p.wext0 * p.wext1;
    const int n = pp / plane;
    const int rem = pp - n * plane;
    const int a = p.wlo0 + rem / p.wext1;
    const int c = p.wlo1 + rem % p.wext1;
    const int dstC = BWD ? p.c : p.k;
    const int dstH = BWD ? p.h : p.oh;
    const int dstW = BWD ? p.w : p.ow;
    const int ch = g * (BWD ? p.cg : p.kg) + m;
    return (((int64_t) n * dstC + ch) * dstH + a) * dstW + c;
}

template <int BM, int BN, int NT, int TY, bool BWD, bool PIPE>
__device__ __forceinline__ void conv_gemm(const float* SC_RESTRICT src, const float* SC_RESTRICT wt,
                                          const float* SC_RESTRICT bias, float* SC_RESTRICT dst, const ConvParams& p) {
    constexpr int TX = NT / TY;
    static_assert(NT % TY == 0 && BM % TY == 0 && BN % TX == 0, "tile shape");
    // With one thread row (TY == 1) every thread owns all BM rows, read from shared memory as float4 broadcasts.
    constexpr bool VEC_A = TY == 1 && BM % 4 == 0;
    constexpr int TM = BM / TY;
    constexpr int TN = BN / TX;
    constexpr int STAGES = PIPE ? 2 : 1;
    __shared__ __align__(16) float As[STAGES][CONV_BK][BM];
    __shared__ float Bs[STAGES][CONV_BK][BN];

    ConvLoader<BM, BN, NT, BWD> ld(src, wt, p);
    const int tx = ld.tid % TX;
    const int ty = ld.tid / TX;
    float acc[TM][TN] = {};
    // The register-tile product of shared-memory stage s.
    conv_run<BM, BN, NT, BWD, PIPE>(ld, As, Bs, [&](int s) {
#pragma unroll
        for (int kk = 0; kk < CONV_BK; kk++) {
            float a[TM];
            float b[TN];
            sc_tile_rows<TM, TY, VEC_A>(a, As[s][kk], ty);
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
    });

    // Store: the pixel is decoded again per column.
    const int plane = p.wext0 * p.wext1;
    const int P = p.n * plane;
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
            const int m = ld.m0 + ty + TY * i;
            if (m < ld.M) {
                const int ch = ld.g * ld.M + m;
                const float bv = (!BWD && bias != nullptr) ? bias[ch] : 0.0f;
                dst[(((int64_t) n * dstC + ch) * dstH + a) * dstW + c] = acc[i][j] + bv;
            }
        }
    }
}

// TF32 tensor-core variant (opt-in: it rounds A and B to TF32, 10 mantissa bits, so it differs from the float32
// kernels by ~1e-3 relative): the same gather and two-stage pipeline, a 128x128 block tile of 8 warps, each warp
// 64 rows x 32 columns as 4 x 2 WMMA 16x16x8 accumulators (float32). As is [k][m], so A fragments load
// column-major with ldm = BM; Bs is [k][p], row-major with ldm = BN. The epilogue goes through a 16x16 scratch tile
// per warp, so the pixel decoding and bias happen per element.
// Loads a WMMA operand fragment from shared memory and rounds its elements to TF32 (cvt.rna).
template <typename Fragment>
__device__ __forceinline__ void load_tf32(Fragment& f, const float* p, unsigned ldm) {
    nvcuda::wmma::load_matrix_sync(f, p, ldm);
#pragma unroll
    for (int e = 0; e < f.num_elements; e++) {
        f.x[e] = nvcuda::wmma::__float_to_tf32(f.x[e]);
    }
}

template <bool BWD>
__device__ __forceinline__ void conv_gemm_tf32(const float* SC_RESTRICT src, const float* SC_RESTRICT wt,
                                               const float* SC_RESTRICT bias, float* SC_RESTRICT dst,
                                               const ConvParams& p) {
    using namespace nvcuda;
    constexpr int BM = 128;
    constexpr int BN = 128;
    constexpr int NT = 256;
    constexpr int WARPS = NT / 32;
    __shared__ __align__(32) float As[2][CONV_BK][BM];
    __shared__ __align__(32) float Bs[2][CONV_BK][BN];
    __shared__ __align__(32) float Cs[WARPS][16 * 16];

    ConvLoader<BM, BN, NT, BWD> ld(src, wt, p);
    const int warp = ld.tid / 32;
    const int lane = ld.tid % 32;
    const int wm = (warp % 2) * 64;   // this warp's rows in the block tile
    const int wn = (warp / 2) * 32;   // and columns
    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4][2];
#pragma unroll
    for (int i = 0; i < 4; i++) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
            wmma::fill_fragment(acc[i][j], 0.0f);
        }
    }
    conv_run<BM, BN, NT, BWD, true>(ld, As, Bs, [&](int s) {
#pragma unroll
        for (int k0 = 0; k0 < CONV_BK; k0 += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major> a[4];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b[2];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                load_tf32(a[i], &As[s][k0][wm + 16 * i], BM);
            }
#pragma unroll
            for (int j = 0; j < 2; j++) {
                load_tf32(b[j], &Bs[s][k0][wn + 16 * j], BN);
            }
#pragma unroll
            for (int i = 0; i < 4; i++) {
#pragma unroll
                for (int j = 0; j < 2; j++) {
                    wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
                }
            }
        }
    });

    const int P = p.n * p.wext0 * p.wext1;
#pragma unroll
    for (int i = 0; i < 4; i++) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
            wmma::store_matrix_sync(Cs[warp], acc[i][j], 16, wmma::mem_row_major);
            __syncwarp();
            for (int e = lane; e < 256; e += 32) {
                const int m = ld.m0 + wm + 16 * i + e / 16;
                const int pp = blockIdx.x * BN + wn + 16 * j + e % 16;
                if (m < ld.M && pp < P) {
                    const float bv = (!BWD && bias != nullptr) ? bias[ld.g * ld.M + m] : 0.0f;
                    dst[conv_dst_index<BWD>(p, ld.g, m, pp)] = Cs[warp][e] + bv;
                }
            }
            __syncwarp();
        }
    }
}

extern "C" __global__ void __launch_bounds__(256)
sc_conv_fwd_m128n128_tf32(const float* x, const float* w, const float* bias, float* y, ConvParams p) {
    conv_gemm_tf32<false>(x, w, bias, y, p);
}

extern "C" __global__ void __launch_bounds__(256)
sc_conv_bwd_data_m128n128_tf32(const float* dy, const float* w, float* dx, ConvParams p) {
    conv_gemm_tf32<true>(dy, w, nullptr, dx, p);
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
