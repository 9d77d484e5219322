// Region pack / unpack of a 4-D box: the halo-exchange and shuffle primitive.
//
// Index mapping (pack): the packed buffer is the box in row-major order,
//   buf[((i0 * e1 + i1) * e2 + i2) * e3 + i3] = src[lo0 + i0, lo1 + i1, lo2 + i2, lo3 + i3]
// where e = box extent. One "row" is the innermost extent e3 (contiguous in both buffer and tensor, so reads and
// writes coalesce); threadIdx.x/blockIdx.x walk i3, blockIdx.y walks rows (i0, i1, i2) flattened, with a
// grid-stride loop because gridDim.y is limited to 65535. Unpack is the inverse mapping; with accumulate != 0 it
// adds into the tensor (backward-data halos are summed, not overwritten). Boxes of distinct ranks never overlap
// within one unpack call, so no atomics are needed.
#include "common.cuh"

extern "C" __global__ void sc_pack4(const float* SC_RESTRICT src, float* SC_RESTRICT buf, Box4 box) {
    const int i3 = blockIdx.x * blockDim.x + threadIdx.x;
    if (i3 >= box.ext[3]) {
        return;
    }
    const int rows = box.ext[0] * box.ext[1] * box.ext[2];
    for (int row = blockIdx.y; row < rows; row += gridDim.y) {
        const int i2 = row % box.ext[2];
        const int t = row / box.ext[2];
        const int i1 = t % box.ext[1];
        const int i0 = t / box.ext[1];
        const int64_t s = sc_offset4(box.dim, box.lo[0] + i0, box.lo[1] + i1, box.lo[2] + i2, box.lo[3] + i3);
        buf[(int64_t) row * box.ext[3] + i3] = src[s];
    }
}

extern "C" __global__ void sc_unpack4(const float* SC_RESTRICT buf, float* SC_RESTRICT dst, Box4 box, int accumulate) {
    const int i3 = blockIdx.x * blockDim.x + threadIdx.x;
    if (i3 >= box.ext[3]) {
        return;
    }
    const int rows = box.ext[0] * box.ext[1] * box.ext[2];
    for (int row = blockIdx.y; row < rows; row += gridDim.y) {
        const int i2 = row % box.ext[2];
        const int t = row / box.ext[2];
        const int i1 = t % box.ext[1];
        const int i0 = t / box.ext[1];
        const int64_t d = sc_offset4(box.dim, box.lo[0] + i0, box.lo[1] + i1, box.lo[2] + i2, box.lo[3] + i3);
        const float v = buf[(int64_t) row * box.ext[3] + i3];
        dst[d] = accumulate ? dst[d] + v : v;
    }
}
