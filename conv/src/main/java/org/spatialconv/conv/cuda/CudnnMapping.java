package org.spatialconv.conv.cuda;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;

/**
 * How one windowed pass with per-side padding becomes one cuDNN call, which knows only whole tensors and symmetric
 * padding. Per spatial dimension the call sees:
 * <ul>
 *   <li>an input-space view: rows {@code [viewLo, viewLo + viewLen)} of x (or dx), in place through the tensor's
 *       strides;</li>
 *   <li>symmetric padding {@code pad};</li>
 *   <li>an output-space tensor whose row {@code j} is global output row {@code outLo + j}, {@code outLen} rows (as
 *       cuDNN computes them from the view and the padding). Rows outside the real tensor or outside the window
 *       are scratch ("staging"): forward writes them and only the {@code copy} rows are copied into y; the
 *       backward passes read them, zero except for the {@code copy} rows copied from dy.</li>
 * </ul>
 * The padding satisfies {@code pad = viewLo + padLo - outLo * stride}, so call row {@code j} reads the same input
 * rows as global output row {@code outLo + j}. When the copy rows are the whole output-space tensor
 * ({@link #direct()}), the call reads or writes the real y / dy in place and no staging is needed.
 * Pure arithmetic, checked on the CPU against the float64 reference (CudnnMappingTest).
 */
record CudnnMapping(int[] viewLo, int[] viewLen, int[] pad, int[] outLo, int[] outLen, int[] copyLo, int[] copyLen) {

    /** The mapping of {@code p}; throws {@link UnsupportedOperationException} naming why cuDNN cannot do it. */
    static CudnnMapping of(ConvProblem p) {
        if (p.xs().rank() != 4 || p.window().rank() != 2) {
            throw new UnsupportedOperationException("the cuDNN engine is 2-D");
        }
        if (p.window().isEmpty()) {
            throw new UnsupportedOperationException("empty window");
        }
        Shape ys = p.ys();
        int[][] d = new int[2][];
        for (int s = 0; s < 2; s++) {
            d[s] = p.pass() == ConvPass.BACKWARD_DATA
                    ? inputWindow(p.g(), s, p.xs().spatial(s), ys.spatial(s), p.window().lo(s), p.window().hi(s))
                    : outputWindow(p.g(), s, p.xs().spatial(s), p.window().lo(s), p.window().hi(s));
        }
        return new CudnnMapping(pair(d, 0), pair(d, 1), pair(d, 2), pair(d, 3), pair(d, 4), pair(d, 5), pair(d, 6));
    }

    /** True when the call's output-space tensor is exactly the copied rows: no staging. */
    boolean direct() {
        for (int s = 0; s < 2; s++) {
            if (outLo[s] != copyLo[s] || outLen[s] != copyLen[s]) {
                return false;
            }
        }
        return true;
    }

    /** Floats of staging for {@code n} images of {@code channels} output-space channels (0 when direct). */
    long stagingFloats(int n, int channels) {
        return direct() ? 0 : (long) n * channels * outLen[0] * outLen[1];
    }

    private static int[] pair(int[][] d, int i) {
        return new int[] {d[0][i], d[1][i]};
    }

    /**
     * Forward and backward-filter: output rows {@code [o0, o1)} along dimension {@code s} of an input of {@code in}
     * rows. The view is exactly the input those outputs read; the padding is the larger of the two sides' padding,
     * rounded so the first window row falls on a call row; extra call rows are staging.
     */
    private static int[] outputWindow(ConvGeometry g, int s, int in, int o0, int o1) {
        int stride = g.stride(s);
        int span = g.span(s);
        int first = o0 * stride - g.padLo(s);
        int last = (o1 - 1) * stride - g.padLo(s) + span - 1;
        int lo = Math.max(first, 0);
        int hi = Math.min(last, in - 1);
        if (hi < lo) {
            throw new UnsupportedOperationException("output rows [" + o0 + ", " + o1 + ") of dimension " + s
                    + " read only padding");
        }
        int padBelow = lo - first;
        int padAbove = last - hi;
        int pad = padBelow + stride * (int) ConvLaunch.ceilDiv(Math.max(0, padAbove - padBelow), stride);
        int viewLen = hi - lo + 1;
        int outLen = Math.floorDiv(viewLen + 2 * pad - span, stride) + 1;
        return new int[] {lo, viewLen, pad, o0 - (pad - padBelow) / stride, outLen, o0, o1 - o0};
    }

    /**
     * Backward-data: input rows {@code [i0, i1)} along dimension {@code s}, {@code out} output rows. The view is the
     * window; the call's output rows must cover every output that reads the window, so they start at or below the
     * first such output (keeping the padding non-negative) and the padding grows by whole strides until they reach
     * the last one. Call rows outside {@code [0, out)} are zero staging.
     */
    private static int[] inputWindow(ConvGeometry g, int s, int in, int out, int i0, int i1) {
        int stride = g.stride(s);
        int span = g.span(s);
        int padLo = g.padLo(s);
        int first = Math.max(0, (int) ConvLaunch.ceilDiv(Math.max(0, i0 + padLo - span + 1), stride));
        int last = Math.min(out - 1, Math.floorDiv(i1 - 1 + padLo, stride));
        if (first > last) {
            throw new UnsupportedOperationException("no output reads input rows [" + i0 + ", " + i1 + ") of dimension "
                    + s);
        }
        int viewLen = i1 - i0;
        int outLo = Math.min(first, Math.floorDiv(i0 + padLo, stride));
        int pad = i0 + padLo - outLo * stride;
        int outLen = Math.floorDiv(viewLen + 2 * pad - span, stride) + 1;
        while (outLo + outLen - 1 < last) {
            outLo--;
            pad += stride;
            outLen = Math.floorDiv(viewLen + 2 * pad - span, stride) + 1;
        }
        int copyLo = Math.max(outLo, 0);
        int copyHi = Math.min(outLo + outLen, out);
        return new int[] {i0, viewLen, pad, outLo, outLen, copyLo, copyHi - copyLo};
    }
}
