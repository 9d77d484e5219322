package org.spatialconv.decomposition.net;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * A box of global sample, row and column ranges {@code [lo, hi)} (channels always whole), with the copy
 * routines that move the intersection of two boxes between local tensors.
 */
public record Box(int n0, int n1, int h0, int h1, int w0, int w1) {
    /** The whole of a global shape. */
    public static Box whole(Shape s) {
        return new Box(0, s.n(), 0, s.h(), 0, s.w());
    }

    public boolean isEmpty() {
        return n1 <= n0 || h1 <= h0 || w1 <= w0;
    }

    public Box intersect(Box o) {
        return new Box(Math.max(n0, o.n0), Math.min(n1, o.n1), Math.max(h0, o.h0), Math.min(h1, o.h1),
                Math.max(w0, o.w0), Math.min(w1, o.w1));
    }

    /** Local shape of this box with {@code c} channels. */
    public Shape shape(int c) {
        return Shape.nchw(n1 - n0, c, h1 - h0, w1 - w0);
    }

    /**
     * Copies (or adds, if {@code add}) the part of {@code src} (holding box {@code srcBox}) that lies in
     * {@code region} into {@code dst} (holding {@code dstBox}).
     */
    public static void copy(Tensor src, Box srcBox, Tensor dst, Box dstBox, Box region, boolean add) {
        if (region.isEmpty()) {
            return;
        }
        int c = src.shape().c();
        float[] s = src.data();
        float[] d = dst.data();
        int sh = srcBox.h1 - srcBox.h0;
        int sw = srcBox.w1 - srcBox.w0;
        int dh = dstBox.h1 - dstBox.h0;
        int dw = dstBox.w1 - dstBox.w0;
        int len = region.w1 - region.w0;
        for (int n = region.n0; n < region.n1; n++) {
            for (int ch = 0; ch < c; ch++) {
                int sp = ((n - srcBox.n0) * c + ch) * sh;
                int dp = ((n - dstBox.n0) * c + ch) * dh;
                for (int h = region.h0; h < region.h1; h++) {
                    int si = (sp + h - srcBox.h0) * sw + region.w0 - srcBox.w0;
                    int di = (dp + h - dstBox.h0) * dw + region.w0 - dstBox.w0;
                    if (add) {
                        for (int k = 0; k < len; k++) {
                            d[di + k] += s[si + k];
                        }
                    } else {
                        System.arraycopy(s, si, d, di, len);
                    }
                }
            }
        }
    }

    /** Cuts box {@code region} out of {@code src} (holding {@code srcBox}) into a new tensor. */
    public static Tensor crop(Tensor src, Box srcBox, Box region) {
        Tensor out = Tensor.zeros(region.shape(src.shape().c()));
        copy(src, srcBox, out, region, region, false);
        return out;
    }
}
