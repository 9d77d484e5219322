package org.spatialconv.conv.cuda;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * Checks of a pass that writes only a window of its output: the relative L2 error over the window's elements alone
 * (a sentinel outside, equal on both sides, would dilute a whole-tensor error until it hid real ones), and whether
 * every element outside kept its sentinel bit for bit.
 */
final class WindowedResult {
    private WindowedResult() {
    }

    /** Whether flat index {@code i} of an N,C,H,W tensor of shape {@code s} lies inside {@code win} (H, W). */
    static boolean inside(Shape s, int i, Window win) {
        int col = i % s.w();
        int row = (i / s.w()) % s.h();
        return row >= win.lo(0) && row < win.hi(0) && col >= win.lo(1) && col < win.hi(1);
    }

    /** Relative L2 error of {@code got} against {@code ref} over the elements inside {@code win}. */
    static double error(float[] got, double[] ref, Shape s, Window win) {
        return error(got, ref, ref, s, win);
    }

    /**
     * L2 error of {@code got} against {@code ref} inside {@code win}, relative to the L2 norm of {@code scale} there
     * (e.g. the sums of the products' magnitudes, for an arithmetic whose error is relative to those, such as TF32).
     */
    static double error(float[] got, double[] ref, double[] scale, Shape s, Window win) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            if (inside(s, i, win)) {
                num += (got[i] - ref[i]) * (got[i] - ref[i]);
                den += scale[i] * scale[i];
            }
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }

    /** The first index outside {@code win} whose value is not {@code sentinel}, or -1. */
    static int firstChangedOutside(float[] got, Shape s, Window win, float sentinel) {
        for (int i = 0; i < got.length; i++) {
            if (!inside(s, i, win) && Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(sentinel)) {
                return i;
            }
        }
        return -1;
    }
}
