package org.spatialconv.conv.layers;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Upsampling by integer factors per dimension, nearest or bilinear (PyTorch's {@code align_corners=False}).
 *
 * <p>Index mapping along one dimension with factor f and global input size I, for global output o: nearest reads
 * {@code floor(o/f)}; bilinear reads {@code i0 = floor(src)} and {@code i1 = min(i0+1, I-1)} with weights
 * {@code 1-l, l}, where {@code src = max((o+0.5)/f - 0.5, 0)} and {@code l = src - i0}. So a block of outputs needs
 * at most one input row/column of halo on each side; the local input's {@link Frame} says where it sits.
 */
public final class Upsample {
    /** Interpolation mode. */
    public enum Mode { NEAREST, BILINEAR }

    private final Mode mode;
    private final int factorH;
    private final int factorW;

    /** An upsampler by {@code factorH x factorW}. */
    public Upsample(Mode mode, int factorH, int factorW) {
        if (factorH < 1 || factorW < 1) {
            throw new IllegalArgumentException("upsampling factors must be >= 1, got " + factorH + "x" + factorW);
        }
        this.mode = mode;
        this.factorH = factorH;
        this.factorW = factorW;
    }

    public Mode mode() {
        return mode;
    }

    public int factorH() {
        return factorH;
    }

    public int factorW() {
        return factorW;
    }

    /** Output shape for a whole input. */
    public Shape outputShape(Shape x) {
        return Shape.nchw(x.n(), x.c(), x.h() * factorH, x.w() * factorW);
    }

    /** Source taps along one dimension for global output {@code o}: {@code {i0, i1}} and weight of i1. */
    private double[] taps(int o, int f, int in) {
        if (mode == Mode.NEAREST) {
            int i = o / f;
            return new double[] {i, i, 0.0};
        }
        double src = Math.max((o + 0.5) / f - 0.5, 0.0);
        int i0 = Math.min((int) Math.floor(src), in - 1);
        int i1 = Math.min(i0 + 1, in - 1);
        return new double[] {i0, i1, src - i0};
    }

    /** Global input range {@code [lo, hi)} that global outputs {@code [o0, o1)} along a dimension read. */
    public int[] inputRange(int dim, int o0, int o1, int globalIn) {
        int f = dim == 0 ? factorH : factorW;
        double[] a = taps(o0, f, globalIn);
        double[] b = taps(o1 - 1, f, globalIn);
        return new int[] {(int) a[0], (int) b[1] + 1};
    }

    /** Whole-tensor forward. */
    public Tensor forward(Threads threads, Tensor x) {
        Tensor y = Tensor.zeros(outputShape(x.shape()));
        forward(threads, x, Frame.whole(x.shape()), y, Frame.whole(y.shape()));
        return y;
    }

    /** Whole-tensor backward. */
    public Tensor backward(Threads threads, Tensor dy, Shape xShape) {
        Tensor dx = Tensor.zeros(xShape);
        backward(threads, dy, Frame.whole(dy.shape()), dx, Frame.whole(xShape));
        return dx;
    }

    /** Fills {@code y} (frame yf among global outputs) from local input {@code x} (frame xf). */
    public void forward(Threads threads, Tensor x, Frame xf, Tensor y, Frame yf) {
        run(threads, x, xf, y, yf, true);
    }

    /** Adds into {@code dx} (frame xf, halo included) the gradient of the outputs in {@code dy} (frame yf). */
    public void backward(Threads threads, Tensor dy, Frame yf, Tensor dx, Frame xf) {
        run(threads, dx, xf, dy, yf, false);
    }

    private void run(Threads threads, Tensor x, Frame xf, Tensor y, Frame yf, boolean forward) {
        Shape xs = x.shape();
        Shape ys = y.shape();
        int xh = xs.h();
        int xw = xs.w();
        int yh = ys.h();
        int yw = ys.w();
        int[] ci0 = new int[yw];
        int[] ci1 = new int[yw];
        float[] cl = new float[yw];
        for (int ow = 0; ow < yw; ow++) {
            double[] t = taps(yf.col0() + ow, factorW, xf.globalW());
            ci0[ow] = (int) t[0] - xf.col0();
            ci1[ow] = (int) t[1] - xf.col0();
            cl[ow] = (float) t[2];
            check(ci0[ow], ci1[ow], xw, "columns");
        }
        float[] xd = x.data();
        float[] yd = y.data();
        threads.forEach(ys.n() * ys.c(), (long) yh * yw * 4, p -> {
            int xBase = p * xh * xw;
            int yBase = p * yh * yw;
            for (int oh = 0; oh < yh; oh++) {
                double[] t = taps(yf.row0() + oh, factorH, xf.globalH());
                int r0 = (int) t[0] - xf.row0();
                int r1 = (int) t[1] - xf.row0();
                check(r0, r1, xh, "rows");
                float lr = (float) t[2];
                int row0 = xBase + r0 * xw;
                int row1 = xBase + r1 * xw;
                int out = yBase + oh * yw;
                for (int ow = 0; ow < yw; ow++) {
                    float lc = cl[ow];
                    float w00 = (1 - lr) * (1 - lc);
                    float w01 = (1 - lr) * lc;
                    float w10 = lr * (1 - lc);
                    float w11 = lr * lc;
                    if (forward) {
                        yd[out + ow] = w00 * xd[row0 + ci0[ow]] + w01 * xd[row0 + ci1[ow]]
                                + w10 * xd[row1 + ci0[ow]] + w11 * xd[row1 + ci1[ow]];
                    } else {
                        float g = yd[out + ow];
                        xd[row0 + ci0[ow]] += w00 * g;
                        xd[row0 + ci1[ow]] += w01 * g;
                        xd[row1 + ci0[ow]] += w10 * g;
                        xd[row1 + ci1[ow]] += w11 * g;
                    }
                }
            }
        });
    }

    private static void check(int lo, int hi, int size, String what) {
        if (lo < 0 || hi >= size) {
            throw new IllegalArgumentException("upsampling needs local " + what + " " + lo + ".." + hi
                    + " but the local input has " + size + " (missing halo)");
        }
    }
}
