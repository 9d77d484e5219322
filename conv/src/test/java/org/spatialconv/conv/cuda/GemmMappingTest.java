package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * The cuBLAS engine's GEMMs ({@link GemmMapping}) run through a column-major SGEMM written here from the BLAS
 * definition (op(A) op(B) with leading dimensions and batch strides), compared with the float64 reference of the
 * windowed 1x1 passes. What this cannot check: cuBLAS itself (argument order of the binding, stride-0 batches).
 */
class GemmMappingTest {
    private static final double TOLERANCE = 1e-6;

    @Test
    void passesMatchReference() {
        Random rnd = new Random(99);
        ConvGeometry g = ConvGeometry.square(1, 1, 0, 1, 1);
        for (int i = 0; i < 60; i++) {
            Shape xs = Shape.nchw(1 + rnd.nextInt(3), 1 + rnd.nextInt(7), 1 + rnd.nextInt(9), 1 + rnd.nextInt(9));
            Shape ws = g.weightShape(xs.c(), 1 + rnd.nextInt(7));
            Shape ys = g.outputShape(xs, ws);
            int h0 = rnd.nextInt(xs.h());
            Window band = i % 3 == 0 ? Window.full(xs) : Window.of2d(h0, h0 + 1 + rnd.nextInt(xs.h() - h0), 0, xs.w());
            Tensor x = random(rnd, xs);
            Tensor w = random(rnd, ws);
            Tensor dy = random(rnd, ys);
            String what = "case " + i + " x=" + xs + " w=" + ws + " band " + band;

            float[] y = run(ConvPass.FORWARD, xs, ws, band, false, x, w, new float[ys.size()]);
            check(y, masked(ReferenceConv.forward(x, w, null, g), ys, band), "forward " + what);

            float[] dx = run(ConvPass.BACKWARD_DATA, xs, ws, band, false, dy, w, new float[xs.size()]);
            check(dx, masked(ReferenceConv.backwardData(dy, w, g, xs), xs, band), "backward-data " + what);

            Tensor dyBand = new Tensor(ys, toFloat(masked(toDouble(dy.data()), ys, band)));
            double[] part = ReferenceConv.backwardFilter(x, dyBand, g, ws);
            float[] old = random(rnd, ws).data();
            float[] acc = run(ConvPass.BACKWARD_FILTER, xs, ws, band, true, x, dy, old.clone());
            double[] want = part.clone();
            for (int j = 0; j < want.length; j++) {
                want[j] += old[j];
            }
            check(acc, want, "accumulating backward-filter " + what);
            float[] over = run(ConvPass.BACKWARD_FILTER, xs, ws, band, false, x, dy, old.clone());
            check(over, part, "overwriting backward-filter " + what);
        }
    }

    @Test
    void onlyPlainGemmsAreMapped() {
        Shape xs = Shape.nchw(1, 4, 6, 5);
        ConvGeometry one = ConvGeometry.square(1, 1, 0, 1, 1);
        Window full = Window.full(xs);
        assertEquals(1, GemmMapping.of(new ConvProblem(ConvPass.FORWARD, xs, one.weightShape(4, 3), one, full, true,
                false)).gemms().size());
        assertEquals(1, GemmMapping.of(new ConvProblem(ConvPass.BACKWARD_FILTER, xs, one.weightShape(4, 3), one, full,
                false, false)).gemms().size());
        assertReason("not a 1x1", ConvGeometry.square(3, 1, 1, 1, 1), full);
        assertReason("not a 1x1", ConvGeometry.square(1, 2, 0, 1, 1), Window.of2d(0, 3, 0, 3));
        assertReason("not a 1x1", ConvGeometry.square(1, 1, 1, 1, 1), Window.of2d(0, 8, 0, 7));
        assertReason("grouped", ConvGeometry.square(1, 1, 0, 1, 2), full);
        assertReason("band of whole rows", one, Window.of2d(0, 6, 1, 5));
        assertReason("band of whole rows", one, Window.of2d(2, 2, 0, 5));
    }

    private static void assertReason(String reason, ConvGeometry g, Window win) {
        Shape xs = Shape.nchw(1, 4, 6, 5);
        ConvProblem p = new ConvProblem(ConvPass.FORWARD, xs, g.weightShape(4, 4), g, win, false, false);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> GemmMapping.of(p));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    /** Runs the mapping's GEMMs for a pass on host arrays; {@code out} holds the output's prior contents. */
    private static float[] run(ConvPass pass, Shape xs, Shape ws, Window band, boolean accumulate, Tensor first,
            Tensor second, float[] out) {
        ConvProblem p = new ConvProblem(pass, xs, ws, ConvGeometry.square(1, 1, 0, 1, 1), band, false, accumulate);
        for (GemmMapping.Gemm gm : GemmMapping.of(p).gemms()) {
            float[] a = gm.a() == GemmMapping.Operand.FIRST ? first.data() : second.data();
            float[] b = gm.b() == GemmMapping.Operand.FIRST ? first.data() : second.data();
            for (int i = 0; i < gm.batch(); i++) {
                sgemm(gm, a, gm.aOffset() + i * gm.strideA(), b, gm.bOffset() + i * gm.strideB(), out,
                        gm.cOffset() + i * gm.strideC());
            }
        }
        return out;
    }

    /** Column-major C = op(A) op(B) + beta C, as the BLAS reference defines it (float64 sums here). */
    private static void sgemm(GemmMapping.Gemm g, float[] a, long aOff, float[] b, long bOff, float[] c, long cOff) {
        assertTrue(g.lda() >= Math.max(1, g.transA() ? g.k() : g.m()), "lda too small");
        assertTrue(g.ldb() >= Math.max(1, g.transB() ? g.n() : g.k()), "ldb too small");
        assertTrue(g.ldc() >= Math.max(1, g.m()), "ldc too small");
        for (int col = 0; col < g.n(); col++) {
            for (int row = 0; row < g.m(); row++) {
                double s = 0;
                for (int l = 0; l < g.k(); l++) {
                    float av = a[(int) (aOff + (g.transA() ? l + (long) row * g.lda() : row + (long) l * g.lda()))];
                    float bv = b[(int) (bOff + (g.transB() ? col + (long) l * g.ldb() : l + (long) col * g.ldb()))];
                    s += (double) av * bv;
                }
                int ci = (int) (cOff + row + (long) col * g.ldc());
                c[ci] = (float) (s + (g.beta() == 0f ? 0 : g.beta() * c[ci]));
            }
        }
    }

    private static double[] masked(double[] a, Shape s, Window win) {
        double[] m = new double[a.length];
        int plane = s.h() * s.w();
        for (int i = 0; i < a.length; i++) {
            int r = i % plane / s.w();
            int col = i % s.w();
            if (r >= win.lo(0) && r < win.hi(0) && col >= win.lo(1) && col < win.hi(1)) {
                m[i] = a[i];
            }
        }
        return m;
    }

    private static void check(float[] got, double[] want, String what) {
        double err = ReferenceConv.relativeL2(got, want);
        assertTrue(err < TOLERANCE, what + ": relative L2 " + err);
    }

    private static Tensor random(Random rnd, Shape s) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextFloat() * 2 - 1;
        }
        return new Tensor(s, d);
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
