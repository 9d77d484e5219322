package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.BackendContractTest;
import org.spatialconv.conv.BackendContractTest.Case;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * The cuDNN engine's geometry ({@link CudnnMapping}) checked without cuDNN: each cuDNN call is emulated by the
 * float64 reference on exactly what the engine hands cuDNN (the strided input view, symmetric padding, the staging
 * tensor filled from / copied to the copy rows), and the assembled result must equal the reference of the windowed
 * pass. What this cannot check: cuDNN itself, its descriptors' strides, and the algorithms Find picks.
 */
class CudnnMappingTest {
    private static final int CASES = 300;
    private static final double EXACT = 1e-12;

    @Test
    void forwardMatchesReference() {
        Random rnd = new Random(71);
        int checked = 0;
        int staged = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = BackendContractTest.randomCase(rnd, i);
            Window win = i % 3 == 0 ? Window.full(c.ys()) : c.yWin();
            double[] want = masked(ReferenceConv.forward(c.x(), c.w(), null, c.g()), c.ys(), win);
            CudnnMapping m = mapOrCheckZero(ConvPass.FORWARD, c, win, want, "read only padding");
            if (m == null) {
                continue;
            }
            assertArrayEquals(new int[] {win.lo(0), win.lo(1)}, m.copyLo(), c.toString());
            assertArrayEquals(new int[] {win.extent(0), win.extent(1)}, m.copyLen(), c.toString());
            Shape vs = view(c.xs(), m);
            ConvGeometry g2 = symmetric(c.g(), m.pad());
            Shape cs = callOutput(g2, vs, c.ws(), m, c);
            double[] call = ReferenceConv.forward(tensor(box(doubles(c.x()), c.xs(), m.viewLo(), vs), vs), c.w(), null, g2);
            double[] got = new double[c.ys().size()];
            copy(call, cs, sub(m.copyLo(), m.outLo()), got, c.ys(), m.copyLo(), m.copyLen());
            assertClose(got, want, "forward " + c + " window " + win + " " + describe(m));
            checked++;
            staged += m.direct() ? 0 : 1;
        }
        assertTrue(checked > CASES * 8 / 10, "only " + checked + " of " + CASES + " mapped");
        assertTrue(staged > CASES / 10 && staged < checked, staged + " of " + checked + " needed staging");
    }

    @Test
    void backwardDataMatchesReference() {
        Random rnd = new Random(72);
        int checked = 0;
        int staged = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = BackendContractTest.randomCase(rnd, i);
            Window win = i % 3 == 0 ? Window.full(c.xs()) : c.xWin();
            double[] want = masked(ReferenceConv.backwardData(c.dy(), c.w(), c.g(), c.xs()), c.xs(), win);
            CudnnMapping m = mapOrCheckZero(ConvPass.BACKWARD_DATA, c, win, want, "no output reads");
            if (m == null) {
                continue;
            }
            for (int s = 0; s < 2; s++) {
                assertTrue(m.copyLo()[s] >= 0 && m.copyLo()[s] + m.copyLen()[s] <= c.ys().spatial(s), c.toString());
                assertTrue(m.pad()[s] >= 0, c.toString());
            }
            Shape vs = view(c.xs(), m);
            ConvGeometry g2 = symmetric(c.g(), m.pad());
            Shape cs = callOutput(g2, vs, c.ws(), m, c);
            double[] dyCall = new double[cs.size()];
            copy(doubles(c.dy()), c.ys(), m.copyLo(), dyCall, cs, sub(m.copyLo(), m.outLo()), m.copyLen());
            double[] dxView = ReferenceConv.backwardData(tensor(dyCall, cs), c.w(), g2, vs);
            double[] got = new double[c.xs().size()];
            copy(dxView, vs, new int[2], got, c.xs(), m.viewLo(), m.viewLen());
            assertClose(got, want, "backward-data " + c + " window " + win + " " + describe(m));
            checked++;
            staged += m.direct() ? 0 : 1;
        }
        assertTrue(checked > CASES * 8 / 10, "only " + checked + " of " + CASES + " mapped");
        assertTrue(staged > CASES / 10 && staged < checked, staged + " of " + checked + " needed staging");
    }

    @Test
    void backwardFilterMatchesReference() {
        Random rnd = new Random(73);
        int checked = 0;
        int staged = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = BackendContractTest.randomCase(rnd, i);
            Window win = i % 3 == 0 ? Window.full(c.ys()) : c.yWin();
            double[] dyMasked = masked(doubles(c.dy()), c.ys(), win);
            double[] want = ReferenceConv.backwardFilter(c.x(), tensor(dyMasked, c.ys()), c.g(), c.ws());
            CudnnMapping m = mapOrCheckZero(ConvPass.BACKWARD_FILTER, c, win, want, "read only padding");
            if (m == null) {
                continue;
            }
            Shape vs = view(c.xs(), m);
            ConvGeometry g2 = symmetric(c.g(), m.pad());
            Shape cs = callOutput(g2, vs, c.ws(), m, c);
            double[] dyCall = new double[cs.size()];
            copy(doubles(c.dy()), c.ys(), m.copyLo(), dyCall, cs, sub(m.copyLo(), m.outLo()), m.copyLen());
            double[] got = ReferenceConv.backwardFilter(tensor(box(doubles(c.x()), c.xs(), m.viewLo(), vs), vs),
                    tensor(dyCall, cs), g2, c.ws());
            assertClose(got, want, "backward-filter " + c + " window " + win + " " + describe(m));
            checked++;
            staged += m.direct() ? 0 : 1;
        }
        assertTrue(checked > CASES * 8 / 10, "only " + checked + " of " + CASES + " mapped");
        assertTrue(staged > CASES / 10 && staged < checked, staged + " of " + checked + " needed staging");
    }

    /** The common layer (3x3, padding 1 on both sides, whole tensors) needs no staging in any pass. */
    @Test
    void symmetricWholeTensorsAreDirect() {
        Shape xs = Shape.nchw(2, 8, 17, 13);
        ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
        Shape ws = g.weightShape(8, 4);
        Shape ys = g.outputShape(xs, ws);
        for (ConvPass pass : ConvPass.values()) {
            Window win = Window.full(pass == ConvPass.BACKWARD_DATA ? xs : ys);
            CudnnMapping m = CudnnMapping.of(new ConvProblem(pass, xs, ws, g, win, false, false));
            assertTrue(m.direct(), pass + " " + describe(m));
            assertEquals(0, m.stagingFloats(2, 4));
            assertArrayEquals(new int[] {1, 1}, m.pad(), pass.label());
            assertArrayEquals(new int[] {17, 13}, m.viewLen(), pass.label());
        }
        // Asymmetric padding (0 above, 2 below): forward needs staging for the extra call rows.
        ConvGeometry asym = new ConvGeometry(new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 1}, new int[] {2, 1},
                new int[] {1, 1}, 1);
        Shape ya = asym.outputShape(xs, ws);
        CudnnMapping m = CudnnMapping.of(new ConvProblem(ConvPass.FORWARD, xs, ws, asym, Window.full(ya), false, false));
        assertFalse(m.direct(), describe(m));
        assertEquals(2, m.pad()[0]);
        assertEquals(-2, m.outLo()[0]);
        assertEquals(2L * 4 * m.outLen()[0] * m.outLen()[1], m.stagingFloats(2, 4));
    }

    /**
     * The mapping, or null when cuDNN cannot take the problem; then the reason must be {@code reason} and the
     * reference result inside the window must indeed be zero (the window reads only padding / nothing reads it).
     */
    private static CudnnMapping mapOrCheckZero(ConvPass pass, Case c, Window win, double[] want, String reason) {
        try {
            return CudnnMapping.of(problem(pass, c, win));
        } catch (UnsupportedOperationException e) {
            assertTrue(e.getMessage().contains(reason), e.getMessage());
            assertEquals(0, norm(want), pass.label() + " declared '" + e.getMessage() + "' but is not zero: " + c);
            return null;
        }
    }

    private static ConvProblem problem(ConvPass pass, Case c, Window win) {
        return new ConvProblem(pass, c.xs(), c.ws(), c.g(), win, false, false);
    }

    /** The call's output-space shape as cuDNN computes it; must be the mapping's outLen (cuDNN checks this). */
    private static Shape callOutput(ConvGeometry g2, Shape vs, Shape ws, CudnnMapping m, Case c) {
        Shape cs = g2.outputShape(vs, ws);
        assertArrayEquals(m.outLen(), new int[] {cs.h(), cs.w()}, "call output size in " + c + " " + describe(m));
        return cs;
    }

    private static Shape view(Shape xs, CudnnMapping m) {
        return Shape.nchw(xs.n(), xs.c(), m.viewLen()[0], m.viewLen()[1]);
    }

    private static ConvGeometry symmetric(ConvGeometry g, int[] pad) {
        return new ConvGeometry(new int[] {g.kernel(0), g.kernel(1)}, new int[] {g.stride(0), g.stride(1)}, pad, pad,
                new int[] {g.dilation(0), g.dilation(1)}, g.groups());
    }

    private static double[] box(double[] src, Shape ss, int[] lo, Shape bs) {
        double[] b = new double[bs.size()];
        copy(src, ss, lo, b, bs, new int[2], new int[] {bs.h(), bs.w()});
        return b;
    }

    /** Copies rows {@code [sLo, sLo+len)} of every (n, c) plane of src to {@code [dLo, dLo+len)} of dst. */
    private static void copy(double[] src, Shape ss, int[] sLo, double[] dst, Shape ds, int[] dLo, int[] len) {
        for (int p = 0; p < ss.n() * ss.c(); p++) {
            for (int i = 0; i < len[0]; i++) {
                for (int j = 0; j < len[1]; j++) {
                    dst[(p * ds.h() + dLo[0] + i) * ds.w() + dLo[1] + j] = src[(p * ss.h() + sLo[0] + i) * ss.w() + sLo[1] + j];
                }
            }
        }
    }

    private static double[] masked(double[] a, Shape s, Window win) {
        double[] m = new double[a.length];
        copy(a, s, new int[] {win.lo(0), win.lo(1)}, m, s, new int[] {win.lo(0), win.lo(1)},
                new int[] {win.extent(0), win.extent(1)});
        return m;
    }

    private static int[] sub(int[] a, int[] b) {
        return new int[] {a[0] - b[0], a[1] - b[1]};
    }

    private static double[] doubles(Tensor t) {
        double[] d = new double[t.data().length];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.data()[i];
        }
        return d;
    }

    /** Back to float32: exact, since every value here was a float32 or a zero. */
    private static Tensor tensor(double[] d, Shape s) {
        float[] f = new float[d.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) d[i];
            assertEquals(d[i], f[i], 0.0, "value is not a float32");
        }
        return new Tensor(s, f);
    }

    private static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    private static void assertClose(double[] got, double[] want, String what) {
        double num = 0;
        for (int i = 0; i < got.length; i++) {
            num += (got[i] - want[i]) * (got[i] - want[i]);
        }
        double err = Math.sqrt(num) / Math.max(norm(want), 1e-30);
        assertTrue(err < EXACT || norm(want) == 0 && num == 0, what + ": relative L2 " + err);
    }

    private static String describe(CudnnMapping m) {
        return "view lo " + Arrays.toString(m.viewLo()) + " len " + Arrays.toString(m.viewLen())
                + " pad " + Arrays.toString(m.pad()) + " out lo " + Arrays.toString(m.outLo())
                + " len " + Arrays.toString(m.outLen()) + " copy lo " + Arrays.toString(m.copyLo())
                + " len " + Arrays.toString(m.copyLen());
    }
}
