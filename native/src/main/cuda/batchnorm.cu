// Batch normalisation over N and space for each channel of an N,C,H,W tensor (training mode).
//
// sc_bn_stats:  one block per channel c (blockIdx.x); each thread runs Welford over the elements e = threadIdx.x +
//   k*SC_BN_THREADS of the channel's M = N*H*W values (element e -> n = e / HW, offset (n*C + c)*HW + e % HW), then
//   the per-thread (count, mean, M2) triples merge in a fixed tree. Writes mean[c] and invstd[c] = 1/sqrt(var + eps)
//   (biased variance, as used for normalisation). Welford avoids the cancellation of sum/sum-of-squares on large planes.
// sc_bn_apply:  y = (x - mean[c]) * invstd[c] * gamma[c] + beta[c], one thread per element, grid-stride,
//   c = (e / HW) % C.
// sc_bn_bwd_reduce: per channel (one block), dbeta[c] = sum dy, dgamma[c] = sum dy * xhat with xhat = (x-mean)*invstd.
// sc_bn_bwd_data: dx = gamma*invstd/M * (M*dy - dbeta - xhat*dgamma), one thread per element.
#include "common.cuh"

#define SC_BN_THREADS 256

extern "C" __global__ void __launch_bounds__(SC_BN_THREADS)
sc_bn_stats(const float* SC_RESTRICT x, float* SC_RESTRICT mean, float* SC_RESTRICT invstd, int n, int c, int hw,
            float eps) {
    __shared__ float sCount[SC_BN_THREADS];
    __shared__ float sMean[SC_BN_THREADS];
    __shared__ float sM2[SC_BN_THREADS];
    const int ch = blockIdx.x;
    const int total = n * hw;
    float cnt = 0.0f, mu = 0.0f, m2 = 0.0f;
    for (int e = threadIdx.x; e < total; e += SC_BN_THREADS) {
        const int nn = e / hw;
        const float v = x[((int64_t) nn * c + ch) * hw + (e - nn * hw)];
        cnt += 1.0f;
        const float d = v - mu;
        mu += d / cnt;
        m2 += d * (v - mu);
    }
    sCount[threadIdx.x] = cnt;
    sMean[threadIdx.x] = mu;
    sM2[threadIdx.x] = m2;
    __syncthreads();
    for (int half = SC_BN_THREADS / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            const float na = sCount[threadIdx.x];
            const float nb = sCount[threadIdx.x + half];
            const float nt = na + nb;
            if (nt > 0.0f) {
                const float d = sMean[threadIdx.x + half] - sMean[threadIdx.x];
                sMean[threadIdx.x] += d * nb / nt;
                sM2[threadIdx.x] += sM2[threadIdx.x + half] + d * d * na * nb / nt;
                sCount[threadIdx.x] = nt;
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        mean[ch] = sMean[0];
        invstd[ch] = rsqrtf(sM2[0] / (float) total + eps);
    }
}

extern "C" __global__ void sc_bn_apply(const float* SC_RESTRICT x, float* SC_RESTRICT y, const float* SC_RESTRICT mean,
                                       const float* SC_RESTRICT invstd, const float* SC_RESTRICT gamma,
                                       const float* SC_RESTRICT beta, int n, int c, int hw) {
    const int64_t total = (int64_t) n * c * hw;
    for (int64_t e = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; e < total; e += (int64_t) gridDim.x * blockDim.x) {
        const int ch = (int) ((e / hw) % c);
        y[e] = (x[e] - mean[ch]) * invstd[ch] * gamma[ch] + beta[ch];
    }
}

extern "C" __global__ void __launch_bounds__(SC_BN_THREADS)
sc_bn_bwd_reduce(const float* SC_RESTRICT x, const float* SC_RESTRICT dy, const float* SC_RESTRICT mean,
                 const float* SC_RESTRICT invstd, float* SC_RESTRICT dgamma, float* SC_RESTRICT dbeta, int n, int c,
                 int hw) {
    __shared__ float sG[SC_BN_THREADS];
    __shared__ float sB[SC_BN_THREADS];
    const int ch = blockIdx.x;
    const int total = n * hw;
    const float mu = mean[ch];
    const float is = invstd[ch];
    float g = 0.0f, b = 0.0f;
    for (int e = threadIdx.x; e < total; e += SC_BN_THREADS) {
        const int nn = e / hw;
        const int64_t off = ((int64_t) nn * c + ch) * hw + (e - nn * hw);
        const float d = dy[off];
        b += d;
        g += d * (x[off] - mu) * is;
    }
    sG[threadIdx.x] = g;
    sB[threadIdx.x] = b;
    __syncthreads();
    for (int half = SC_BN_THREADS / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            sG[threadIdx.x] += sG[threadIdx.x + half];
            sB[threadIdx.x] += sB[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        dgamma[ch] = sG[0];
        dbeta[ch] = sB[0];
    }
}

extern "C" __global__ void sc_bn_bwd_data(const float* SC_RESTRICT x, const float* SC_RESTRICT dy,
                                          const float* SC_RESTRICT mean, const float* SC_RESTRICT invstd,
                                          const float* SC_RESTRICT gamma, const float* SC_RESTRICT dgamma,
                                          const float* SC_RESTRICT dbeta, float* SC_RESTRICT dx, int n, int c, int hw) {
    const int64_t total = (int64_t) n * c * hw;
    const float m = (float) n * hw;
    for (int64_t e = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; e < total; e += (int64_t) gridDim.x * blockDim.x) {
        const int ch = (int) ((e / hw) % c);
        const float xhat = (x[e] - mean[ch]) * invstd[ch];
        dx[e] = gamma[ch] * invstd[ch] / m * (m * dy[e] - dbeta[ch] - xhat * dgamma[ch]);
    }
}
