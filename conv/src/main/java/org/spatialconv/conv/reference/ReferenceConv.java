package org.spatialconv.conv.reference;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Float64 direct-loop 2-D convolution (forward, backward-data, backward-filter, bias gradient) over whole tensors.
 * Results are returned as {@code double[]} in the same row-major layout as the float tensors.
 *
 * <p>Index mapping (one place): output {@code (n,k,oh,ow)} reads input {@code (n, g*Cg + c,
 * oh*strideH - padLoH + r*dilH, ow*strideW - padLoW + s*dilW)} times weight {@code (k, c, r, s)}, where
 * {@code g = k / (K/groups)} and out-of-range input positions are zero padding.
 */
public final class ReferenceConv {
    private ReferenceConv() {
    }

    /** y = conv(x, w) + bias (bias may be null). */
    public static double[] forward(Tensor x, Tensor w, Tensor bias, ConvGeometry g) {
        Shape ys = g.outputShape(x.shape(), w.shape());
        Geo q = new Geo(x.shape(), w.shape(), ys, g);
        double[] y = new double[ys.size()];
        float[] xd = x.data();
        float[] wd = w.data();
        if (bias != null) {
            int plane = q.oh * q.ow;
            for (int i = 0; i < y.length; i++) {
                y[i] = bias.data()[i / plane % q.k];
            }
        }
        q.forEachTap((xi, wi, yi) -> y[yi] += (double) xd[xi] * wd[wi]);
        return y;
    }

    /** dx for input shape {@code xShape}, given dy and w. */
    public static double[] backwardData(Tensor dy, Tensor w, ConvGeometry g, Shape xShape) {
        Shape ys = g.outputShape(xShape, w.shape());
        requireShape(dy.shape(), ys, "dy");
        Geo q = new Geo(xShape, w.shape(), ys, g);
        double[] dx = new double[xShape.size()];
        float[] dyd = dy.data();
        float[] wd = w.data();
        q.forEachTap((xi, wi, yi) -> dx[xi] += (double) dyd[yi] * wd[wi]);
        return dx;
    }

    /** dw (shape of w: K, C/groups, R, S), given x and dy. */
    public static double[] backwardFilter(Tensor x, Tensor dy, ConvGeometry g, Shape wShape) {
        Shape ys = g.outputShape(x.shape(), wShape);
        requireShape(dy.shape(), ys, "dy");
        Geo q = new Geo(x.shape(), wShape, ys, g);
        double[] dw = new double[wShape.size()];
        float[] xd = x.data();
        float[] dyd = dy.data();
        q.forEachTap((xi, wi, yi) -> dw[wi] += (double) dyd[yi] * xd[xi]);
        return dw;
    }

    /** db: sum of dy over N and space, per channel. */
    public static double[] biasBackward(Tensor dy) {
        Shape s = dy.shape();
        int plane = s.size() / (s.n() * s.c());
        double[] db = new double[s.c()];
        float[] d = dy.data();
        for (int n = 0; n < s.n(); n++) {
            for (int k = 0; k < s.c(); k++) {
                int base = (n * s.c() + k) * plane;
                for (int i = 0; i < plane; i++) {
                    db[k] += d[base + i];
                }
            }
        }
        return db;
    }

    /** Relative L2 error {@code ||got - want|| / max(||want||, tiny)}. */
    public static double relativeL2(float[] got, double[] want) {
        if (got.length != want.length) {
            throw new IllegalArgumentException("length " + got.length + " != " + want.length);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < got.length; i++) {
            double d = got[i] - want[i];
            num += d * d;
            den += want[i] * want[i];
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }

    /** Relative L2 error between two float arrays (the second is the reference). */
    public static double relativeL2(float[] got, float[] want) {
        double[] w = new double[want.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = want[i];
        }
        return relativeL2(got, w);
    }

    private static void requireShape(Shape got, Shape want, String what) {
        if (!got.equals(want)) {
            throw new IllegalArgumentException(what + " has shape " + got + ", expected " + want);
        }
    }

    /** Unpacked 2-D geometry, so the loops above read plainly. */
    private static final class Geo {
        final int n, c, ih, iw, k, cg, kg, r, s, oh, ow, sh, sw, ph, pw, dh, dw;

        Geo(Shape x, Shape w, Shape y, ConvGeometry g) {
            if (g.spatialRank() != 2) {
                throw new IllegalArgumentException("reference convolution is 2-D only");
            }
            n = x.n();
            c = x.c();
            ih = x.h();
            iw = x.w();
            k = w.dim(0);
            cg = c / g.groups();
            kg = k / g.groups();
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
        }

        /**
         * Calls {@code tap} with the flat indices (input, weight, output) of every multiply of the convolution:
         * the index mapping of the class comment, with padded positions skipped.
         */
        void forEachTap(Tap tap) {
            for (int nn = 0; nn < n; nn++) {
                for (int kk = 0; kk < k; kk++) {
                    int grp = kk / kg;
                    for (int oy = 0; oy < oh; oy++) {
                        for (int ox = 0; ox < ow; ox++) {
                            int yi = ((nn * k + kk) * oh + oy) * ow + ox;
                            for (int cc = 0; cc < cg; cc++) {
                                int ci = grp * cg + cc;
                                for (int rr = 0; rr < r; rr++) {
                                    int iy = oy * sh - ph + rr * dh;
                                    if (iy < 0 || iy >= ih) {
                                        continue;
                                    }
                                    for (int ss = 0; ss < s; ss++) {
                                        int ix = ox * sw - pw + ss * this.dw;
                                        if (ix >= 0 && ix < iw) {
                                            tap.at(((nn * c + ci) * ih + iy) * iw + ix,
                                                    ((kk * cg + cc) * r + rr) * s + ss, yi);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** One multiply of the convolution, by flat indices. */
    @FunctionalInterface
    private interface Tap {
        void at(int xi, int wi, int yi);
    }
}
