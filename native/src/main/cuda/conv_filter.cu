// Convolution backward-filter as implicit GEMM with split-K over pixels and a deterministic reduction.
//
// Per group g and split z (blockIdx.z = g * splits + z):   WS[z][g*kg + m][q] = sum_{p in split z} A[m][p] * B[p][q]
//   m = filter within the group    (M = kg, blockIdx.y tiles of BM)
//   q = (c, r, s) row-major         (Q = cg*r*s, blockIdx.x tiles of BN) -- the layout of one filter in w
//   p = (n, i, j) over N x window   (window in dy space; oh = wlo0 + i, ow = wlo1 + j), split z owns reduction tiles
//       [z*split_tiles, (z+1)*split_tiles) of CONV_BK pixels each
//   A[m][p] = dy[n][g*kg + m][oh][ow],  B[p][q] = x[n][g*cg + c][oh*sh - ph + r*dh][ow*sw - pw + s*dw] (0 outside).
// The workspace WS holds one partial dw per split; sc_splitk_reduce sums them in split order, so the result does
// not depend on scheduling (no atomics).
//
// Thread mapping: tile loads put the pixel on the fast thread index (kk = tid % 16) so consecutive threads read
// consecutive ow; each thread keeps a fixed set of columns q (decoded once) and rows m. Compute mapping as in
// conv.cu: TY thread rows of TX = CONV_THREADS / TY; rows ty + TY*i, columns tx + TX*jj.
#include "common.cuh"

template <int BM, int BN, int TY, bool PIPE>
__device__ __forceinline__ void conv_filter_gemm(const float* SC_RESTRICT x, const float* SC_RESTRICT dy,
                                                 float* SC_RESTRICT ws, const ConvParams& p, int splits) {
    constexpr int TX = CONV_THREADS / TY;
    static_assert(CONV_THREADS % TY == 0 && BM % TY == 0 && BN % TX == 0, "tile shape");
    // With one thread row (TY == 1) every thread owns all BM rows, read from shared memory as float4 broadcasts.
    constexpr bool VEC_A = TY == 1 && BM % 4 == 0;
    constexpr int TM = BM / TY;
    constexpr int TN = BN / TX;
    constexpr int A_LOADS = CONV_BK * BM / CONV_THREADS;  // rows m = tid / 16 + 16*l
    constexpr int B_LOADS = CONV_BK * BN / CONV_THREADS;  // columns q = tid / 16 + 16*l
    constexpr int STAGES = PIPE ? 2 : 1;
    __shared__ __align__(16) float As[STAGES][CONV_BK][BM];
    __shared__ float Bs[STAGES][CONV_BK][BN];

    const int tid = threadIdx.x;
    const int tx = tid % TX;
    const int ty = tid / TX;
    const int g = blockIdx.z / splits;
    const int z = blockIdx.z - g * splits;
    const int m0 = blockIdx.y * BM;
    const int q0 = blockIdx.x * BN;
    const int RS = p.r * p.s;
    const int Q = p.cg * RS;
    const int plane = p.wext0 * p.wext1;
    const int P = p.n * plane;
    const int64_t xPlane = (int64_t) p.h * p.w;
    const int64_t yPlane = (int64_t) p.oh * p.ow;

    // Fixed columns of this thread's B loads: channel offset and tap offsets.
    int64_t qOff[B_LOADS];
    int qR[B_LOADS];
    int qS[B_LOADS];
    bool qVal[B_LOADS];
#pragma unroll
    for (int l = 0; l < B_LOADS; l++) {
        const int q = q0 + tid / 16 + 16 * l;
        qVal[l] = q < Q;
        const int c = qVal[l] ? q / RS : 0;
        const int rs = qVal[l] ? q - c * RS : 0;
        qR[l] = (rs / p.s) * p.dh - p.ph;
        qS[l] = (rs % p.s) * p.dw - p.pw;
        qOff[l] = (int64_t) (g * p.cg + c) * xPlane;
    }

    float acc[TM][TN] = {};

    const int tBegin = z * p.split_tiles;
    const int tEnd = min(tBegin + p.split_tiles, (P + CONV_BK - 1) / CONV_BK);
    const int kk = tid % 16;
    float ra[A_LOADS];
    float rb[B_LOADS];
    // Global memory to registers: this thread's pixel kk of reduction tile t.
    auto fetch = [&](int t) {
        const int pp = t * CONV_BK + kk;
        const bool pv = pp < P;
        const int n = pv ? pp / plane : 0;
        const int rem = pp - n * plane;
        const int oh = p.wlo0 + rem / p.wext1;
        const int ow = p.wlo1 + rem % p.wext1;
#pragma unroll
        for (int l = 0; l < A_LOADS; l++) {
            const int m = m0 + tid / 16 + 16 * l;
            ra[l] = (pv && m < p.kg) ? dy[((int64_t) n * p.k + g * p.kg + m) * yPlane + (int64_t) oh * p.ow + ow] : 0.0f;
        }
        const float* xImg = x + (int64_t) n * p.c * xPlane;
        const int ih0 = oh * p.sh;
        const int iw0 = ow * p.sw;
#pragma unroll
        for (int l = 0; l < B_LOADS; l++) {
            const int ih = ih0 + qR[l];
            const int iw = iw0 + qS[l];
            const bool ok = pv && qVal[l] && ih >= 0 && ih < p.h && iw >= 0 && iw < p.w;
            rb[l] = ok ? xImg[qOff[l] + (int64_t) ih * p.w + iw] : 0.0f;
        }
    };
    // Registers to shared-memory stage s.
    auto stash = [&](int s) {
#pragma unroll
        for (int l = 0; l < A_LOADS; l++) {
            As[s][kk][tid / 16 + 16 * l] = ra[l];
        }
#pragma unroll
        for (int l = 0; l < B_LOADS; l++) {
            Bs[s][kk][tid / 16 + 16 * l] = rb[l];
        }
    };
    // The register-tile product of shared-memory stage s.
    auto compute = [&](int s) {
#pragma unroll
        for (int k2 = 0; k2 < CONV_BK; k2++) {
            float a[TM];
            float b[TN];
            sc_tile_rows<TM, TY, VEC_A>(a, As[s][k2], ty);
#pragma unroll
            for (int j = 0; j < TN; j++) {
                b[j] = Bs[s][k2][tx + TX * j];
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
        // Two stages, as in conv.cu: tile t + 1's loads are in flight while tile t is multiplied.
        if (tBegin < tEnd) {
            fetch(tBegin);
            stash(0);
            __syncthreads();
            for (int t = tBegin; t < tEnd; t++) {
                const bool more = t + 1 < tEnd;
                if (more) {
                    fetch(t + 1);
                }
                compute((t - tBegin) & 1);
                if (more) {
                    stash((t - tBegin + 1) & 1);
                }
                __syncthreads();
            }
        }
    } else {
        for (int t = tBegin; t < tEnd; t++) {
            fetch(t);
            stash(0);
            __syncthreads();
            compute(0);
            __syncthreads();
        }
    }

    // WS[z] has the layout of w: ((g*kg + m) * Q + q).
    float* out = ws + (int64_t) z * p.k * Q;
#pragma unroll
    for (int i = 0; i < TM; i++) {
        const int m = m0 + ty + TY * i;
        if (m >= p.kg) {
            continue;
        }
#pragma unroll
        for (int j = 0; j < TN; j++) {
            const int q = q0 + tx + TX * j;
            if (q < Q) {
                out[(int64_t) (g * p.kg + m) * Q + q] = acc[i][j];
            }
        }
    }
}

// The backward-filter tiles: name, BM (filters), BN (columns q of a filter), TY (thread rows of the CONV_THREADS
// threads): 64x64 (4x4 per thread), 16x128 (1x8) for <= 16 filters, 128x128 (8x8) for many filters, and 16x256
// with one thread row (each thread all 16 filters of one column, read as float4 broadcasts: 16 FMAs per 5
// shared-memory loads instead of 8 per 9) for <= 16 filters. Each plain and _pipe (two shared-memory stages); all
// give the same bits for the same split factor. ConvLaunch (conv/) mirrors this table.
#define SC_CONV_FILTER_TILES(X)                                                                                    \
    X(m64, 64, 64, 16)                                                                                             \
    X(m16, 16, 128, 16)                                                                                            \
    X(m128n128, 128, 128, 16)                                                                                      \
    X(m16n256, 16, 256, 1)

#define SC_CONV_FILTER_INSTANCES(NAME, BM, BN, TY)                                                                 \
    extern "C" __global__ void __launch_bounds__(CONV_THREADS)                                                    \
    sc_conv_bwd_filter_##NAME(const float* x, const float* dy, float* ws, ConvParams p, int splits) {              \
        conv_filter_gemm<BM, BN, TY, false>(x, dy, ws, p, splits);                                                 \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(CONV_THREADS)                                                    \
    sc_conv_bwd_filter_##NAME##_pipe(const float* x, const float* dy, float* ws, ConvParams p, int splits) {       \
        conv_filter_gemm<BM, BN, TY, true>(x, dy, ws, p, splits);                                                  \
    }

SC_CONV_FILTER_TILES(SC_CONV_FILTER_INSTANCES)

// dw[i] (+)= sum_z ws[z * count + i], z in order: one thread per weight element, grid-stride.
extern "C" __global__ void sc_splitk_reduce(const float* SC_RESTRICT ws, float* SC_RESTRICT dw, int count, int splits,
                                            int accumulate) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
        float s = 0.0f;
        for (int z = 0; z < splits; z++) {
            s += ws[(int64_t) z * count + i];
        }
        dw[i] = accumulate ? dw[i] + s : s;
    }
}
