// An emulated cuBLAS 12: a libcublas.so.12 whose SGEMMs run on the CPU (float64 accumulation) on the emulated CUDA
// driver's streams, so that JCublas2's real JNI binding and Spatialconv's CublasConvEngine run on a machine without
// a GPU. Built by build-driver.sh next to the emulated driver (see emulated_cudnn.cpp for how it is used).
// As strict as the documentation allows: column-major operands; INVALID_VALUE for negative sizes, leading
// dimensions below their minimum (lda >= max(1, rows of A as stored), and so on) or a negative batch count; every
// operand's extent must lie inside one live device allocation of the handle's context, which must be current;
// beta == 0 writes C without reading it; under CUBLAS_TF32_TENSOR_OP_MATH (or the deprecated
// CUBLAS_TENSOR_OP_MATH) SGEMM rounds its operands to TF32 (10-bit mantissa), as cuBLAS does on Ampere and later,
// while CUBLAS_DEFAULT_MATH and CUBLAS_PEDANTIC_MATH stay float32; alpha and beta are read from the host at the call in host pointer mode,
// from device memory when the work runs in device pointer mode. Handles alive when their context is destroyed are
// leaks. Implements the calls Spatialconv makes and no others.
#include "emu_companion.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

namespace {

enum : int { SUCCESS = 0, NOT_INITIALIZED = 1, INVALID_VALUE = 7, EXECUTION_FAILED = 13 };
enum : int { OP_N = 0, OP_T = 1, OP_C = 2 };
enum : int { POINTER_HOST = 0, POINTER_DEVICE = 1 };
const char* LIB = "emulated-cublas";

struct Handle {
    void* ctx;
    void* stream = nullptr;
    int pointerMode = POINTER_HOST;
    int math = 0;
};

emu_companion::Handles<Handle> handles;

void log(const std::string& m) { emu_companion::log(LIB, m); }

#define CALL(name) EMU_COMPANION_CALL(name)
#define RET(r) return emu_companion::ret(LIB, (r), call_)
#define FAIL(msg) return emu_companion::fail(LIB, call_, (msg), INVALID_VALUE)

struct Registration {
    Registration() {
        emu_companion::on_context_destroy([](void* ctx) {
            int h = handles.alive(ctx);
            if (h > 0) log("context destroyed with " + std::to_string(h) + " cuBLAS handle(s) still alive");
            return h;
        });
    }
} registration;

std::string handle_problem(Handle* h) { return handles.problem(h); }

// Floats spanned by a column-major rows x cols matrix with leading dimension ld (0 when empty).
size_t span(long long rows, long long cols, long long ld) { return rows == 0 || cols == 0 ? 0 : (size_t) ((cols - 1) * ld + rows); }

std::string range_problem(Handle* h, const char* what, const void* p, size_t floats) {
    return emu_companion::range_problem(h->ctx, what, p, floats);
}

// The operand as SGEMM reads it: rounded to TF32 when the math mode lets it use tensor cores.
float operand(float v, bool tf32) { return tf32 ? emu_companion::tf32(v) : v; }

float read_scalar(const float* p) {
    float v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// One batched SGEMM, checked; queued on the handle's stream.
int gemm(const char* call_, Handle* h, int ta, int tb, int m, int n, int k, const float* alpha, const float* A,
         int lda, long long sA, const float* B, int ldb, long long sB, const float* beta, float* C, int ldc,
         long long sC, int batch) {
    if (std::string p = handle_problem(h); !p.empty()) FAIL(p);
    if (ta < OP_N || ta > OP_C || tb < OP_N || tb > OP_C) FAIL("bad operation");
    if (m < 0 || n < 0 || k < 0 || batch < 0) FAIL("negative size or batch count");
    long long aRows = ta == OP_N ? m : k, aCols = ta == OP_N ? k : m;
    long long bRows = tb == OP_N ? k : n, bCols = tb == OP_N ? n : k;
    if (lda < std::max<long long>(1, aRows)) FAIL("lda " + std::to_string(lda) + " < max(1, " + std::to_string(aRows) + ")");
    if (ldb < std::max<long long>(1, bRows)) FAIL("ldb " + std::to_string(ldb) + " < max(1, " + std::to_string(bRows) + ")");
    if (ldc < std::max(1, m)) FAIL("ldc " + std::to_string(ldc) + " < max(1, " + std::to_string(m) + ")");
    if (alpha == nullptr || beta == nullptr) FAIL("null alpha or beta");
    if (m == 0 || n == 0 || batch == 0) RET(SUCCESS);
    auto extent = [&](size_t one, long long stride) { return one == 0 ? 0 : (size_t) ((batch - 1) * stride) + one; };
    if (std::string p = range_problem(h, "A", A, k == 0 ? 0 : extent(span(aRows, aCols, lda), sA)); !p.empty()) FAIL(p);
    if (std::string p = range_problem(h, "B", B, k == 0 ? 0 : extent(span(bRows, bCols, ldb), sB)); !p.empty()) FAIL(p);
    if (std::string p = range_problem(h, "C", C, extent(span(m, n, ldc), sC)); !p.empty()) FAIL(p);
    bool device = h->pointerMode == POINTER_DEVICE;
    if (device && (!emu_companion::device_range(h->ctx, alpha, 4) || !emu_companion::device_range(h->ctx, beta, 4)))
        FAIL("device pointer mode, but alpha or beta is not device memory");
    float a0 = device ? 0 : read_scalar(alpha), b0 = device ? 0 : read_scalar(beta);
    int mode = h->math & ~16;
    bool tf32 = mode == 1 || mode == 3;  // CUBLAS_TENSOR_OP_MATH, CUBLAS_TF32_TENSOR_OP_MATH
    bool ok = emu_companion::enqueue(h->stream, std::string("cuBLAS ") + call_, [=] {
        float a = device ? read_scalar(alpha) : a0, b = device ? read_scalar(beta) : b0;
        for (int q = 0; q < batch; q++) {
            const float* Aq = A + q * sA;
            const float* Bq = B + q * sB;
            float* Cq = C + q * sC;
            for (int j = 0; j < n; j++)
                for (int i = 0; i < m; i++) {
                    double acc = 0;
                    for (int l = 0; l < k; l++) {
                        float av = ta == OP_N ? Aq[i + (long long) l * lda] : Aq[l + (long long) i * lda];
                        float bv = tb == OP_N ? Bq[l + (long long) j * ldb] : Bq[j + (long long) l * ldb];
                        acc += (double) operand(av, tf32) * operand(bv, tf32);
                    }
                    float& c = Cq[i + (long long) j * ldc];
                    c = (float) (b == 0.0f ? a * acc : a * acc + (double) b * c);
                }
        }
    });
    RET(ok ? SUCCESS : EXECUTION_FAILED);
}

}  // namespace

extern "C" {
#pragma GCC visibility push(default)

int cublasCreate_v2(Handle** out) {
    CALL("cublasCreate");
    RET(handles.create(out, INVALID_VALUE, NOT_INITIALIZED, LIB, call_));
}

int cublasDestroy_v2(Handle* h) {
    CALL("cublasDestroy");
    RET(handles.destroy(h) ? SUCCESS : NOT_INITIALIZED);
}

int cublasSetStream_v2(Handle* h, void* stream) {
    CALL("cublasSetStream");
    if (!handles.live.count(h)) RET(NOT_INITIALIZED);
    if (emu_companion::stream_context(stream) != h->ctx) FAIL("the stream is not a live stream of the handle's context");
    h->stream = stream;
    RET(SUCCESS);
}

int cublasSetMathMode(Handle* h, int mode) {
    CALL("cublasSetMathMode");
    if (!handles.live.count(h)) RET(NOT_INITIALIZED);
    if ((mode & ~16) < 0 || (mode & ~16) > 3) FAIL("bad math mode");
    h->math = mode;
    RET(SUCCESS);
}

int cublasSetPointerMode_v2(Handle* h, int mode) {
    CALL("cublasSetPointerMode");
    if (!handles.live.count(h)) RET(NOT_INITIALIZED);
    if (mode != POINTER_HOST && mode != POINTER_DEVICE) FAIL("bad pointer mode");
    h->pointerMode = mode;
    RET(SUCCESS);
}

int cublasSgemm_v2(Handle* h, int ta, int tb, int m, int n, int k, const float* alpha, const float* A, int lda,
                   const float* B, int ldb, const float* beta, float* C, int ldc) {
    CALL("cublasSgemm");
    return gemm(call_, h, ta, tb, m, n, k, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1);
}

int cublasSgemmStridedBatched(Handle* h, int ta, int tb, int m, int n, int k, const float* alpha, const float* A,
                              int lda, long long sA, const float* B, int ldb, long long sB, const float* beta,
                              float* C, int ldc, long long sC, int batch) {
    CALL("cublasSgemmStridedBatched");
    return gemm(call_, h, ta, tb, m, n, k, alpha, A, lda, sA, B, ldb, sB, beta, C, ldc, sC, batch);
}

#pragma GCC visibility pop
}  // extern "C"
