package org.spatialconv.conv.cpu;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;

/**
 * A validated 2-D convolution problem unpacked into ints, plus the im2col tile planning shared by the passes.
 *
 * <p>Index mapping (the same as the reference): output {@code (n, k, oh, ow)} reads input
 * {@code (n, grp*cg + c, oh*sh - ph + r*dh, ow*sw - pw + s*dw)} times weight {@code (k, c, r, s)}, with
 * {@code grp = k / kg}; positions outside the input are zero padding.
 */
final class Geo {
    final int n, c, ih, iw, k, groups, cg, kg, r, s, oh, ow, sh, sw, ph, pw, dh, dw;
    /** Rows of the im2col matrix: {@code cg * r * s}. */
    final int crs;

    Geo(Shape x, Shape w, Shape y, ConvGeometry g) {
        n = x.n();
        c = x.c();
        ih = x.h();
        iw = x.w();
        k = w.dim(0);
        groups = g.groups();
        cg = c / groups;
        kg = k / groups;
        r = g.kernel(0);
        s = g.kernel(1);
        oh = y.h();
        ow = y.w();
        sh = g.stride(0);
        sw = g.stride(1);
        ph = g.padLo(0);
        pw = g.padLo(1);
        dh = g.dilation(0);
        dw = g.dilation(1);
        crs = cg * r * s;
    }

    /** Offset of plane {@code (n, channel)} of the input. */
    int xPlane(int sample, int channel) {
        return (sample * c + channel) * ih * iw;
    }

    /** Offset of plane {@code (n, filter)} of the output. */
    int yPlane(int sample, int filter) {
        return (sample * k + filter) * oh * ow;
    }

    /**
     * The im2col budget in floats for this layer: {@code base} for up to 32 filters per group, growing with the
     * filter count up to 4x. With few filters each im2col element feeds few multiply-adds, so the tile must stay
     * in L2; with many, larger tiles make the GEMM more efficient.
     */
    int budget(int base) {
        return (int) Math.min(Integer.MAX_VALUE / 4, (long) base * Math.max(1, Math.min(4, kg / 32)));
    }

    /**
     * Columns of an im2col tile: whole rows of {@code width} when one row needs at most 4x the budget (then
     * outputs are written in place), otherwise as many columns as fit in 4x the budget. Scratch is thus bounded by
     * {@code max(4 * budget, crs)} floats.
     */
    int tileCols(int width, int budget) {
        long cap = 4L * budget;
        return (long) crs * width <= cap ? width : (int) Math.max(1, Math.min(width, cap / crs));
    }

    /** Rows of an im2col tile {@code cols} wide that fit in {@code budget} floats (at least 1). */
    int tileRows(int cols, int budget) {
        return (int) Math.max(1, budget / ((long) crs * cols));
    }

    /** {@code ceil(a / b)} for {@code b > 0}. */
    static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    /** First output index {@code o} with {@code o*stride - pad + off >= lo}. */
    static int firstOut(int lo, int pad, int off, int stride) {
        return ceilDiv(lo + pad - off, stride);
    }

    /** One past the last output index {@code o} with {@code o*stride - pad + off < hi}. */
    static int endOut(int hi, int pad, int off, int stride) {
        return Math.floorDiv(hi - 1 + pad - off, stride) + 1;
    }
}
