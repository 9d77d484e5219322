// Elementwise kernels: ReLU forward/backward, SGD with momentum, Adam. One thread per element e in [0, count),
// grid-stride (index e maps to the same flat offset in every operand).
#include "common.cuh"

// y = max(x, 0). In place is allowed (x == y).
extern "C" __global__ void sc_relu_fwd(const float* x, float* y, int count) {
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < count; e += gridDim.x * blockDim.x) {
        y[e] = fmaxf(x[e], 0.0f);
    }
}

// dx = dy where the forward output y > 0, else 0 (the subgradient at 0 is 0, as in PyTorch).
extern "C" __global__ void sc_relu_bwd(const float* SC_RESTRICT y, const float* dy, float* dx, int count) {
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < count; e += gridDim.x * blockDim.x) {
        dx[e] = y[e] > 0.0f ? dy[e] : 0.0f;
    }
}

// PyTorch's SGD: g' = g + wd*w;  v = mu*v + g' (v = g' at the first step);  w -= lr*v.
extern "C" __global__ void sc_sgd_momentum(float* SC_RESTRICT w, const float* SC_RESTRICT g, float* SC_RESTRICT v,
                                           int count, float lr, float mu, float wd, int first) {
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < count; e += gridDim.x * blockDim.x) {
        const float ge = g[e] + wd * w[e];
        const float ve = first ? ge : mu * v[e] + ge;
        v[e] = ve;
        w[e] -= lr * ve;
    }
}

// Adam (step t >= 1): m = b1*m + (1-b1)*g';  v = b2*v + (1-b2)*g'^2;  w -= lr * (m / bc1) / (sqrt(v / bc2) + eps)
// with g' = g + wd*w and bias corrections bc1 = 1 - b1^t, bc2 = 1 - b2^t computed on the host in double.
extern "C" __global__ void sc_adam(float* SC_RESTRICT w, const float* SC_RESTRICT g, float* SC_RESTRICT m,
                                   float* SC_RESTRICT v, int count, float lr, float b1, float b2, float eps, float wd,
                                   float bc1, float bc2) {
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < count; e += gridDim.x * blockDim.x) {
        const float ge = g[e] + wd * w[e];
        const float me = b1 * m[e] + (1.0f - b1) * ge;
        const float ve = b2 * v[e] + (1.0f - b2) * ge * ge;
        m[e] = me;
        v[e] = ve;
        w[e] -= lr * (me / bc1) / (sqrtf(ve / bc2) + eps);
    }
}
