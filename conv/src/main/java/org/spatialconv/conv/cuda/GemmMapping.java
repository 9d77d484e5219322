package org.spatialconv.conv.cuda;

import java.util.ArrayList;
import java.util.List;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Window;

/**
 * A 1x1 convolution (stride 1, no padding, one group) over a band of whole rows as column-major GEMMs, the form
 * cuBLAS takes. Per image, a channel plane of the band is {@code P = rows * W} contiguous floats, so x[n] is a
 * column-major P x C matrix with leading dimension {@code H * W}, likewise y / dy (P x K); w (K, C) row-major is a
 * column-major C x K matrix with leading dimension C. Then
 * <ul>
 *   <li>forward: y = x * w (P x K), one strided batch over the images;</li>
 *   <li>backward-data: dx = dy * w^T (P x C), one strided batch;</li>
 *   <li>backward-filter: dw^T (C x K, i.e. dw row-major) = sum over images of x^T * dy, one GEMM per image
 *       accumulating in image order (deterministic).</li>
 * </ul>
 * Pure data, executed by {@code CublasConvEngine} and, on the CPU, by an emulated GEMM in GemmMappingTest.
 */
record GemmMapping(List<Gemm> gemms) {
    /** Which of the call's arrays a GEMM operand is: x / dy (first) or w / dy (second), as in {@link ConvCall}. */
    enum Operand { FIRST, SECOND }

    /**
     * One column-major {@code C = op(A) op(B) + beta C} (alpha 1) of {@code m x n} with inner size {@code k},
     * repeated {@code batch} times with the given strides (floats); C is the call's output array.
     */
    record Gemm(boolean transA, boolean transB, int m, int n, int k, Operand a, long aOffset, int lda, long strideA,
            Operand b, long bOffset, int ldb, long strideB, float beta, long cOffset, int ldc, long strideC,
            int batch) {
    }

    /** The GEMMs of {@code p}; throws {@link UnsupportedOperationException} naming why it is not a plain GEMM. */
    static GemmMapping of(ConvProblem p) {
        ConvGeometry g = p.g();
        Window win = p.window();
        if (p.xs().rank() != 4 || win.rank() != 2) {
            throw new UnsupportedOperationException("the cuBLAS engine is 2-D");
        }
        for (int s = 0; s < 2; s++) {
            if (g.kernel(s) != 1 || g.stride(s) != 1 || g.padLo(s) != 0 || g.padHi(s) != 0) {
                throw new UnsupportedOperationException("not a 1x1, stride 1, unpadded convolution");
            }
        }
        if (g.groups() != 1) {
            throw new UnsupportedOperationException("grouped convolution");
        }
        int h = p.xs().h();
        int w = p.xs().w();
        if (win.isEmpty() || win.lo(1) != 0 || win.hi(1) != w) {
            throw new UnsupportedOperationException("window " + win + " is not a band of whole rows");
        }
        int n = p.xs().n();
        int c = p.xs().c();
        int k = p.ws().n();
        int hw = h * w;
        int pixels = win.extent(0) * w;
        long off = (long) win.lo(0) * w;
        List<Gemm> list = new ArrayList<>();
        switch (p.pass()) {
            case FORWARD -> list.add(new Gemm(false, false, pixels, k, c, Operand.FIRST, off, hw, (long) c * hw,
                    Operand.SECOND, 0, c, 0, 0f, off, hw, (long) k * hw, n));
            case BACKWARD_DATA -> list.add(new Gemm(false, true, pixels, c, k, Operand.FIRST, off, hw, (long) k * hw,
                    Operand.SECOND, 0, c, 0, 0f, off, hw, (long) c * hw, n));
            case BACKWARD_FILTER -> {
                for (int i = 0; i < n; i++) {
                    float beta = i == 0 && !p.accumulate() ? 0f : 1f;
                    list.add(new Gemm(true, false, c, k, pixels, Operand.FIRST, (long) i * c * hw + off, hw, 0,
                            Operand.SECOND, (long) i * k * hw + off, hw, 0, beta, 0, c, 0, 1));
                }
            }
        }
        return new GemmMapping(List.copyOf(list));
    }
}
