// 2-D max and average pooling (kernel kh x kw, stride, low-side padding; padded positions are ignored by max and
// excluded from the average's divisor, i.e. PyTorch's count_include_pad=False).
//
// Forward: one thread per output element e = ((n*C + c)*OH + oh)*OW + ow, window rows ih = oh*sh - ph + [0, kh),
//   columns iw = ow*sw - pw + [0, kw), clipped to the input. Max writes the flat input index of the first maximum
//   to argmax (-1 if the window is empty).
// Backward (gather form, deterministic, no atomics): one thread per input element (n, c, ih, iw); it visits every
//   output whose window covers it: oh in [ceil((ih + ph - kh + 1)/sh), floor((ih + ph)/sh)] clipped to [0, OH),
//   likewise ow, and sums dy (max: only where argmax equals this element; avg: dy / window count).
#include "common.cuh"

struct PoolParams {
    int n, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw;
};

__device__ __forceinline__ int sc_ceil_div_nonneg(int a, int b) {
    return a <= 0 ? -((-a) / b) : (a + b - 1) / b;
}

__device__ __forceinline__ int pool_count(const PoolParams& p, int oh, int ow) {
    const int h0 = max(oh * p.sh - p.ph, 0), h1 = min(oh * p.sh - p.ph + p.kh, p.h);
    const int w0 = max(ow * p.sw - p.pw, 0), w1 = min(ow * p.sw - p.pw + p.kw, p.w);
    return max(h1 - h0, 0) * max(w1 - w0, 0);
}

extern "C" __global__ void sc_pool_fwd(const float* SC_RESTRICT x, float* SC_RESTRICT y, int* SC_RESTRICT argmax,
                                       PoolParams p, int isMax) {
    const int total = p.n * p.c * p.oh * p.ow;
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < total; e += gridDim.x * blockDim.x) {
        const int ow = e % p.ow;
        const int oh = (e / p.ow) % p.oh;
        const int nc = e / (p.ow * p.oh);
        const float* plane = x + (int64_t) nc * p.h * p.w;
        const int h0 = max(oh * p.sh - p.ph, 0), h1 = min(oh * p.sh - p.ph + p.kh, p.h);
        const int w0 = max(ow * p.sw - p.pw, 0), w1 = min(ow * p.sw - p.pw + p.kw, p.w);
        float best = -INFINITY;
        int arg = -1;
        float sum = 0.0f;
        for (int ih = h0; ih < h1; ih++) {
            for (int iw = w0; iw < w1; iw++) {
                const float v = plane[ih * p.w + iw];
                sum += v;
                if (v > best || arg < 0) {
                    best = v;
                    arg = nc * p.h * p.w + ih * p.w + iw;
                }
            }
        }
        if (isMax) {
            y[e] = arg < 0 ? 0.0f : best;
            argmax[e] = arg;
        } else {
            const int cnt = (h1 - h0) * (w1 - w0);
            y[e] = cnt > 0 ? sum / (float) cnt : 0.0f;
        }
    }
}

extern "C" __global__ void sc_pool_bwd(const float* SC_RESTRICT dy, const int* SC_RESTRICT argmax,
                                       float* SC_RESTRICT dx, PoolParams p, int isMax) {
    const int total = p.n * p.c * p.h * p.w;
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < total; e += gridDim.x * blockDim.x) {
        const int iw = e % p.w;
        const int ih = (e / p.w) % p.h;
        const int nc = e / (p.w * p.h);
        const int oh0 = max(sc_ceil_div_nonneg(ih + p.ph - p.kh + 1, p.sh), 0);
        const int oh1 = min((ih + p.ph) / p.sh + 1, p.oh);
        const int ow0 = max(sc_ceil_div_nonneg(iw + p.pw - p.kw + 1, p.sw), 0);
        const int ow1 = min((iw + p.pw) / p.sw + 1, p.ow);
        float s = 0.0f;
        for (int oh = oh0; oh < oh1; oh++) {
            for (int ow = ow0; ow < ow1; ow++) {
                const int o = (nc * p.oh + oh) * p.ow + ow;
                if (isMax) {
                    if (argmax[o] == e) {
                        s += dy[o];
                    }
                } else {
                    const int cnt = pool_count(p, oh, ow);
                    s += cnt > 0 ? dy[o] / (float) cnt : 0.0f;
                }
            }
        }
        dx[e] = s;
    }
}
