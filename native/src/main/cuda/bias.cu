// Bias add and bias gradient over a spatial window of an N,C,H,W tensor.
//
// sc_bias_add: y[n][k][a][b] += bias[k] for (a, b) in the window; one thread per windowed element,
//   index e = ((n * C + k) * wext0 + i) * wext1 + j, a = wlo0 + i, b = wlo1 + j, grid-stride.
// sc_bias_grad: db[k] (+)= sum over n and the window of dy[n][k][a][b]; one block per channel k (blockIdx.x),
//   threads stride over the N * window elements, then a fixed-shape shared-memory tree reduction, so the sum's
//   order (and result) is deterministic. Block size must be SC_RED_THREADS.
#include "common.cuh"

#define SC_RED_THREADS 256

extern "C" __global__ void sc_bias_add(float* SC_RESTRICT y, const float* SC_RESTRICT bias, int n, int c, int h, int w,
                                       int wlo0, int wlo1, int wext0, int wext1) {
    const int64_t total = (int64_t) n * c * wext0 * wext1;
    for (int64_t e = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; e < total; e += (int64_t) gridDim.x * blockDim.x) {
        const int j = (int) (e % wext1);
        const int64_t t = e / wext1;
        const int i = (int) (t % wext0);
        const int64_t nk = t / wext0;
        const int k = (int) (nk % c);
        y[(nk * h + wlo0 + i) * w + wlo1 + j] += bias[k];
    }
}

extern "C" __global__ void __launch_bounds__(SC_RED_THREADS)
sc_bias_grad(const float* SC_RESTRICT dy, float* SC_RESTRICT db, int n, int c, int h, int w, int wlo0, int wlo1,
             int wext0, int wext1, int accumulate) {
    __shared__ float part[SC_RED_THREADS];
    const int k = blockIdx.x;
    const int plane = wext0 * wext1;
    const int total = n * plane;
    float s = 0.0f;
    for (int e = threadIdx.x; e < total; e += SC_RED_THREADS) {
        const int nn = e / plane;
        const int rem = e - nn * plane;
        const int a = wlo0 + rem / wext1;
        const int b = wlo1 + rem % wext1;
        s += dy[(((int64_t) nn * c + k) * h + a) * w + b];
    }
    part[threadIdx.x] = s;
    __syncthreads();
    for (int half = SC_RED_THREADS / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            part[threadIdx.x] += part[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        db[k] = accumulate ? db[k] + part[0] : part[0];
    }
}
