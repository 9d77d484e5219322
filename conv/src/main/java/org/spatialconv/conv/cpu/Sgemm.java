package org.spatialconv.conv.cpu;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;

/**
 * Row-major single-precision GEMM on heap arrays, {@code C = alpha * op(A) * op(B) + beta * C}, delegating to
 * {@code dev.ludovic.netlib:blas}. That library binds the native {@code libblas.so.3} when it can and falls back to
 * a Java implementation otherwise.
 *
 * <p>Which native library: netlib's JNI shim {@code dlopen}s {@code libblas.so.3}, on Debian the pthread OpenBLAS
 * by default. We deliberately do not preload Debian's <em>serial</em> OpenBLAS: it is built without locking and gives
 * wrong results when two of our workers call it at once (seen in {@code CpuBackendSmallTilesTest}). The pthread
 * build is safe for concurrent callers; run with {@code OPENBLAS_NUM_THREADS=1} so that it does not start threads of
 * its own inside each of ours.
 */
final class Sgemm {
    private static final BLAS BLAS_IMPL;
    private static final String DESCRIPTION;

    static {
        BLAS_IMPL = BLAS.getInstance();
        DESCRIPTION = BLAS_IMPL instanceof NativeBLAS
                ? "native BLAS (libblas.so.3, OPENBLAS_NUM_THREADS=" + System.getenv("OPENBLAS_NUM_THREADS") + ")"
                : "Java BLAS fallback (" + BLAS_IMPL.getClass().getSimpleName() + ")";
    }

    /**
     * True when a native BLAS may start threads of its own inside our workers' calls, which measured 2-3x slower
     * with 2 workers on 2 cores: the process was started without {@code OPENBLAS_NUM_THREADS=1}.
     */
    static boolean mayOversubscribe() {
        return BLAS_IMPL instanceof NativeBLAS && !"1".equals(System.getenv("OPENBLAS_NUM_THREADS"));
    }

    private Sgemm() {
    }

    /** Which GEMM implementation is in use, for logs and benchmark reports. */
    static String describe() {
        return DESCRIPTION;
    }

    /** True when the GEMM runs in a native BLAS. */
    static boolean isNative() {
        return BLAS_IMPL instanceof NativeBLAS;
    }

    /**
     * Row-major {@code C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C}. {@code lda}, {@code ldb},
     * {@code ldc} are row strides of the arrays as stored (A is stored k x m when transposed).
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        // Row-major C = A*B is column-major C^T = B^T * A^T: swap the operands, keep the flags.
        BLAS_IMPL.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c,
                cOff, ldc);
    }
}
