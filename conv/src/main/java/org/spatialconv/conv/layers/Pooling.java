package org.spatialconv.conv.layers;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * 2-D max and average pooling with any kernel, stride and per-side padding (a {@link ConvGeometry} with dilation
 * 1 and one group). Padding never contributes: max ignores it and average divides by the number of real
 * (in-bounds) elements in the window, so a window's result depends only on global data and any decomposition
 * gives the same answer.
 *
 * <p>Index mapping: output {@code (oh, ow)} (global) covers input rows {@code oh*strideH - padLoH + r} and columns
 * {@code ow*strideW - padLoW + s}, {@code r < R, s < S}, restricted to {@code [0, globalH) x [0, globalW)}. The
 * local input must hold every such element; its {@link Frame} says where it sits.
 */
public final class Pooling {
    /** Pooling operator. */
    public enum Mode { MAX, AVG }

    private Pooling() {
    }

    /** Output shape for a whole input, validating the geometry. */
    public static Shape outputShape(ConvGeometry g, Shape x) {
        if (g.spatialRank() != 2 || g.groups() != 1 || g.dilation(0) != 1 || g.dilation(1) != 1) {
            throw new IllegalArgumentException("pooling needs a 2-D geometry without dilation or groups: " + g);
        }
        if (g.padLo(0) >= g.kernel(0) || g.padHi(0) >= g.kernel(0) || g.padLo(1) >= g.kernel(1)
                || g.padHi(1) >= g.kernel(1)) {
            throw new IllegalArgumentException("pooling padding must be smaller than the kernel: " + g);
        }
        int oh = g.outputSize(0, x.h());
        int ow = g.outputSize(1, x.w());
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("pooling window " + g + " is larger than the padded input " + x);
        }
        return Shape.nchw(x.n(), x.c(), oh, ow);
    }

    /** Whole-tensor forward; {@code argmax} (max mode, may be null otherwise) gets y.size() entries. */
    public static Tensor forward(Threads threads, Mode mode, ConvGeometry g, Tensor x, int[] argmax) {
        Shape ys = outputShape(g, x.shape());
        Tensor y = Tensor.zeros(ys);
        forward(threads, mode, g, x, Frame.whole(x.shape()), y, new Frame(0, 0, ys.h(), ys.w()), argmax);
        return y;
    }

    /**
     * Forward on a local block: fills every element of {@code y}, whose frame places it among the global outputs.
     * In max mode {@code argmax[i]} receives the flat index in {@code x} of the element chosen for output i.
     */
    public static void forward(Threads threads, Mode mode, ConvGeometry g, Tensor x, Frame xf, Tensor y, Frame yf,
            int[] argmax) {
        Shape xs = x.shape();
        Shape ys = y.shape();
        int xh = xs.h();
        int xw = xs.w();
        int yh = ys.h();
        int yw = ys.w();
        int planes = ys.n() * ys.c();
        float[] xd = x.data();
        float[] yd = y.data();
        threads.forEach(planes, (long) yh * yw * g.kernel(0) * g.kernel(1), p -> {
            int xBase = p * xh * xw;
            int yBase = p * yh * yw;
            for (int oh = 0; oh < yh; oh++) {
                int h0 = (yf.row0() + oh) * g.stride(0) - g.padLo(0);
                int r0 = Math.max(h0, 0);
                int r1 = Math.min(h0 + g.kernel(0), xf.globalH());
                checkCovered(r0 - xf.row0(), r1 - xf.row0(), xh, "rows");
                for (int ow = 0; ow < yw; ow++) {
                    int w0 = (yf.col0() + ow) * g.stride(1) - g.padLo(1);
                    int c0 = Math.max(w0, 0);
                    int c1 = Math.min(w0 + g.kernel(1), xf.globalW());
                    checkCovered(c0 - xf.col0(), c1 - xf.col0(), xw, "columns");
                    int out = yBase + oh * yw + ow;
                    if (mode == Mode.MAX) {
                        float best = Float.NEGATIVE_INFINITY;
                        int at = -1;
                        for (int r = r0; r < r1; r++) {
                            int row = xBase + (r - xf.row0()) * xw - xf.col0();
                            for (int c = c0; c < c1; c++) {
                                float v = xd[row + c];
                                if (v > best || at < 0) {
                                    best = v;
                                    at = row + c;
                                }
                            }
                        }
                        yd[out] = best;
                        argmax[out] = at;
                    } else {
                        double sum = 0;
                        for (int r = r0; r < r1; r++) {
                            int row = xBase + (r - xf.row0()) * xw - xf.col0();
                            for (int c = c0; c < c1; c++) {
                                sum += xd[row + c];
                            }
                        }
                        yd[out] = (float) (sum / ((r1 - r0) * (c1 - c0)));
                    }
                }
            }
        });
    }

    /** Whole-tensor backward. */
    public static Tensor backward(Threads threads, Mode mode, ConvGeometry g, Tensor dy, Shape xShape,
            int[] argmax) {
        Tensor dx = Tensor.zeros(xShape);
        backward(threads, mode, g, dy, new Frame(0, 0, dy.shape().h(), dy.shape().w()), dx, Frame.whole(xShape),
                argmax);
        return dx;
    }

    /**
     * Backward on a local block: adds into {@code dx} (which covers everything the forward read, halo included) the
     * gradient of every output in {@code dy}. A distributed caller then pushes the halo part of dx back to its
     * owners with accumulate.
     */
    public static void backward(Threads threads, Mode mode, ConvGeometry g, Tensor dy, Frame yf, Tensor dx,
            Frame xf, int[] argmax) {
        Shape xs = dx.shape();
        Shape ys = dy.shape();
        int xh = xs.h();
        int xw = xs.w();
        int yh = ys.h();
        int yw = ys.w();
        float[] gd = dy.data();
        float[] out = dx.data();
        // One plane per task: windows overlap inside a plane, never across planes.
        threads.forEach(ys.n() * ys.c(), (long) yh * yw * g.kernel(0) * g.kernel(1), p -> {
            int xBase = p * xh * xw;
            int yBase = p * yh * yw;
            for (int oh = 0; oh < yh; oh++) {
                int h0 = (yf.row0() + oh) * g.stride(0) - g.padLo(0);
                int r0 = Math.max(h0, 0);
                int r1 = Math.min(h0 + g.kernel(0), xf.globalH());
                for (int ow = 0; ow < yw; ow++) {
                    int i = yBase + oh * yw + ow;
                    if (mode == Mode.MAX) {
                        out[argmax[i]] += gd[i];
                        continue;
                    }
                    int w0 = (yf.col0() + ow) * g.stride(1) - g.padLo(1);
                    int c0 = Math.max(w0, 0);
                    int c1 = Math.min(w0 + g.kernel(1), xf.globalW());
                    checkCovered(r0 - xf.row0(), r1 - xf.row0(), xh, "rows");
                    checkCovered(c0 - xf.col0(), c1 - xf.col0(), xw, "columns");
                    float v = gd[i] / ((r1 - r0) * (c1 - c0));
                    for (int r = r0; r < r1; r++) {
                        int row = xBase + (r - xf.row0()) * xw - xf.col0();
                        for (int c = c0; c < c1; c++) {
                            out[row + c] += v;
                        }
                    }
                }
            }
        });
    }

    private static void checkCovered(int lo, int hi, int size, String what) {
        if (lo < 0 || hi > size) {
            throw new IllegalArgumentException("pooling window needs local " + what + " [" + lo + ", " + hi
                    + ") but the local input has " + size + " (missing halo)");
        }
    }
}
