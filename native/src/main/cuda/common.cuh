// Shared helpers for the Spatialconv kernels. Every kernel is extern "C" so the host code finds it by its plain
// name in the fatbin; every size is a 32-bit int because a Tensor lives in one Java array (< 2^31 elements),
// while products that can overflow (offsets into a tensor) are computed in 64 bits.
#pragma once
#include <stdint.h>

#define SC_RESTRICT __restrict__

// A 4-D box inside a row-major 4-D tensor: the tensor's dimensions and the box's low corner and extent.
struct Box4 {
    int dim[4];
    int lo[4];
    int ext[4];
};

// Row-major offset of (a, b, c, d) in a tensor of dimensions dim.
__device__ __forceinline__ int64_t sc_offset4(const int dim[4], int a, int b, int c, int d) {
    return (((int64_t) a * dim[1] + b) * dim[2] + c) * (int64_t) dim[3] + d;
}

// Convolution problem description, passed by value. All fields are int so the host passes an int[] of exactly
// this layout (CudaKernels.convParams on the Java side builds it; keep the two in the same order).
struct ConvParams {
    int n, c, h, w;                  // input (x or dx) dimensions
    int k, oh, ow;                   // filters and full output (y or dy) spatial dimensions
    int groups, cg, kg;              // groups, input channels per group, filters per group
    int r, s;                        // kernel extent (rows, columns)
    int sh, sw, ph, pw, dh, dw;      // stride, low-side padding, dilation
    int wlo0, wlo1, wext0, wext1;    // window: output space (fwd, bwd-filter) or input space (bwd-data)
    int split_tiles;                 // bwd-filter: reduction tiles (of CONV_BK pixels) per split
};

// A thread's TM values of one row of a shared-memory A tile (row = As[stage][k], BM floats): rows ty + TY*i, or,
// with one thread row (VEC), rows [0, TM) read as float4 broadcasts (the row must be 16-byte aligned).
template <int TM, int TY, bool VEC>
__device__ __forceinline__ void sc_tile_rows(float (&a)[TM], const float* row, int ty) {
    if constexpr (VEC) {
#pragma unroll
        for (int i = 0; i < TM; i += 4) {
            const float4 v = *reinterpret_cast<const float4*>(row + i);
            a[i] = v.x;
            a[i + 1] = v.y;
            a[i + 2] = v.z;
            a[i + 3] = v.w;
        }
    } else {
#pragma unroll
        for (int i = 0; i < TM; i++) {
            a[i] = row[ty + TY * i];
        }
    }
}

#define CONV_THREADS 256
#define CONV_BK 16
