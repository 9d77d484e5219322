package org.spatialconv.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * The contract every {@link Backend} must meet, checked against the float64 {@link ReferenceConv} over seeded random
 * geometries: forward, backward-data, backward-filter and bias gradient, over whole tensors and over windows.
 * Subclass it and implement {@link #createBackend()}; it is published in conv's test-jar for other modules.
 */
public abstract class BackendContractTest {
    /** Largest accepted relative L2 error against the float64 reference. */
    public static final double TOLERANCE = 1e-5;
    /** Random geometries per test. */
    protected static final int CASES = 150;
    /** Seed of the geometry generator; printed with every failure. */
    protected static final long SEED = 0x5EA7C0DEL;
    /** Value written outside a window, which a backend must leave untouched. */
    private static final float SENTINEL = 12345.5f;

    private Backend backend;

    /** A fresh backend under test; it is closed after each test. */
    protected abstract Backend createBackend();

    @BeforeEach
    void open() {
        backend = createBackend();
    }

    @AfterEach
    void closeBackend() {
        backend.close();
    }

    /** One random problem: shapes, geometry, data and windows. */
    public record Case(int index, Shape xs, Shape ws, Shape ys, ConvGeometry g, Tensor x, Tensor w, Tensor bias,
            Tensor dy, Window yWin, Window xWin) {
        @Override
        public String toString() {
            return "case " + index + " (seed " + SEED + "): x=" + xs + " w=" + ws + " y=" + ys + " " + g
                    + " yWindow=" + yWin + " xWindow=" + xWin;
        }
    }

    /**
     * The {@code i}-th case of the random tests: {@link #randomCase} unless a subclass narrows the geometries to
     * the ones a particular path of its backend takes.
     */
    protected Case nextCase(Random rnd, int i) {
        return randomCase(rnd, i);
    }

    /** Generates the {@code i}-th random case; sizes are small so the float64 reference stays fast. */
    public static Case randomCase(Random rnd, int i) {
        while (true) {
            int groups = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 1;
            int cg = 1 + rnd.nextInt(5);
            int kg = 1 + rnd.nextInt(5);
            boolean depthwise = rnd.nextInt(6) == 0;
            if (depthwise) {
                groups = 2 + rnd.nextInt(4);
                cg = 1;
                kg = 1 + rnd.nextInt(2);
            }
            int n = 1 + rnd.nextInt(3);
            int h = 1 + rnd.nextInt(14);
            int wd = 1 + rnd.nextInt(14);
            int r = rnd.nextInt(5) == 0 ? 1 : 1 + rnd.nextInt(4);
            int s = rnd.nextInt(5) == 0 ? 1 : 1 + rnd.nextInt(4);
            int[] stride = {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
            int[] padLo = {rnd.nextInt(3), rnd.nextInt(3)};
            int[] padHi = {rnd.nextInt(3), rnd.nextInt(3)};
            int[] dil = {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)};
            ConvGeometry g = new ConvGeometry(new int[] {r, s}, stride, padLo, padHi, dil, groups);
            if (g.outputSize(0, h) < 1 || g.outputSize(1, wd) < 1) {
                continue;
            }
            return caseFor(rnd, i, g, Shape.nchw(n, cg * groups, h, wd), kg * groups);
        }
    }

    /**
     * Case {@code i} for input shape {@code xs}, geometry {@code g} and {@code filters} filters: random data, a
     * bias half of the time, and random windows of the output and the input.
     */
    public static Case caseFor(Random rnd, int i, ConvGeometry g, Shape xs, int filters) {
        Shape ws = g.weightShape(xs.c(), filters);
        Shape ys = g.outputShape(xs, ws);
        Tensor x = random(rnd, xs);
        Tensor w = random(rnd, ws);
        Tensor bias = rnd.nextBoolean() ? random(rnd, Shape.of(ys.c())) : null;
        Tensor dy = random(rnd, ys);
        return new Case(i, xs, ws, ys, g, x, w, bias, dy, randomWindow(rnd, ys), randomWindow(rnd, xs));
    }

    private static Tensor random(Random rnd, Shape s) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return new Tensor(s, d);
    }

    /** A random non-empty sub-window, the full extent a third of the time. */
    private static Window randomWindow(Random rnd, Shape s) {
        if (rnd.nextInt(3) == 0) {
            return Window.full(s);
        }
        int h0 = rnd.nextInt(s.h());
        int w0 = rnd.nextInt(s.w());
        return Window.of2d(h0, h0 + 1 + rnd.nextInt(s.h() - h0), w0, w0 + 1 + rnd.nextInt(s.w() - w0));
    }

    private static boolean inside(Window win, int h, int w) {
        return h >= win.lo(0) && h < win.hi(0) && w >= win.lo(1) && w < win.hi(1);
    }

    /**
     * Checks a windowed result: elements inside {@code win} within tolerance of the reference, elements outside it
     * exactly the sentinel. Returns the relative L2 error inside.
     */
    private static double checkWindowed(Case c, String pass, float[] got, double[] want, Shape s, Window win) {
        int plane = s.h() * s.w();
        int count = 0;
        for (int i = 0; i < got.length; i++) {
            if (inside(win, i % plane / s.w(), i % s.w())) {
                count++;
            } else if (got[i] != SENTINEL) {
                fail(pass + " wrote element " + i + " outside the window in " + c);
            }
        }
        float[] g = new float[count];
        double[] wv = new double[count];
        int j = 0;
        for (int i = 0; i < got.length; i++) {
            if (inside(win, i % plane / s.w(), i % s.w())) {
                g[j] = got[i];
                wv[j++] = want[i];
            }
        }
        double err = ReferenceConv.relativeL2(g, wv);
        assertTrue(err < TOLERANCE, pass + " relative L2 " + err + " >= " + TOLERANCE + " in " + c);
        return err;
    }

    /** dy with every element outside {@code win} set to zero: the reference for windowed weight gradients. */
    private static Tensor masked(Tensor dy, Window win) {
        Shape s = dy.shape();
        Tensor m = dy.copy();
        int plane = s.h() * s.w();
        for (int i = 0; i < m.data().length; i++) {
            if (!inside(win, i % plane / s.w(), i % s.w())) {
                m.data()[i] = 0f;
            }
        }
        return m;
    }

    @Test
    void forwardMatchesReference() {
        Random rnd = new Random(SEED);
        int compared = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = nextCase(rnd, i);
            double[] want = ReferenceConv.forward(c.x(), c.w(), c.bias(), c.g());
            Tensor y = Tensor.zeros(c.ys());
            y.fill(SENTINEL);
            backend.convForward(c.x(), c.w(), c.bias(), c.g(), y);
            checkWindowed(c, "forward", y.data(), want, c.ys(), Window.full(c.ys()));
            y.fill(SENTINEL);
            backend.convForward(c.x(), c.w(), c.bias(), c.g(), y, c.yWin());
            checkWindowed(c, "windowed forward", y.data(), want, c.ys(), c.yWin());
            compared += 2;
        }
        assertEquals(2 * CASES, compared);
    }

    @Test
    void backwardDataMatchesReference() {
        Random rnd = new Random(SEED + 1);
        int compared = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = nextCase(rnd, i);
            double[] want = ReferenceConv.backwardData(c.dy(), c.w(), c.g(), c.xs());
            Tensor dx = Tensor.zeros(c.xs());
            dx.fill(SENTINEL);
            backend.convBackwardData(c.dy(), c.w(), c.g(), dx);
            checkWindowed(c, "backward-data", dx.data(), want, c.xs(), Window.full(c.xs()));
            dx.fill(SENTINEL);
            backend.convBackwardData(c.dy(), c.w(), c.g(), dx, c.xWin());
            checkWindowed(c, "windowed backward-data", dx.data(), want, c.xs(), c.xWin());
            compared += 2;
        }
        assertEquals(2 * CASES, compared);
    }

    @Test
    void backwardFilterMatchesReference() {
        Random rnd = new Random(SEED + 2);
        int compared = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = nextCase(rnd, i);
            double[] full = ReferenceConv.backwardFilter(c.x(), c.dy(), c.g(), c.ws());
            Tensor dw = Tensor.zeros(c.ws());
            dw.fill(SENTINEL);
            backend.convBackwardFilter(c.x(), c.dy(), c.g(), dw);
            assertClose(c, "backward-filter", dw.data(), full);

            // Windowed and accumulating onto existing values: result = old + gradient of dy inside the window.
            double[] part = ReferenceConv.backwardFilter(c.x(), masked(c.dy(), c.yWin()), c.g(), c.ws());
            Tensor old = random(rnd, c.ws());
            Tensor acc = old.copy();
            backend.convBackwardFilter(c.x(), c.dy(), c.g(), acc, c.yWin(), true);
            double[] want = new double[part.length];
            for (int j = 0; j < want.length; j++) {
                want[j] = part[j] + old.data()[j];
            }
            assertClose(c, "windowed accumulating backward-filter", acc.data(), want);

            Tensor over = random(rnd, c.ws());
            backend.convBackwardFilter(c.x(), c.dy(), c.g(), over, c.yWin(), false);
            assertClose(c, "windowed overwriting backward-filter", over.data(), part);
            compared += 3;
        }
        assertEquals(3 * CASES, compared);
    }

    @Test
    void biasBackwardMatchesReference() {
        Random rnd = new Random(SEED + 3);
        int compared = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = nextCase(rnd, i);
            Tensor db = Tensor.zeros(Shape.of(c.ys().c()));
            db.fill(SENTINEL);
            backend.biasBackward(c.dy(), db);
            assertClose(c, "bias", db.data(), ReferenceConv.biasBackward(c.dy()));

            double[] part = ReferenceConv.biasBackward(masked(c.dy(), c.yWin()));
            Tensor old = random(rnd, db.shape());
            Tensor acc = old.copy();
            backend.biasBackward(c.dy(), acc, c.yWin(), true);
            double[] want = new double[part.length];
            for (int j = 0; j < want.length; j++) {
                want[j] = part[j] + old.data()[j];
            }
            assertClose(c, "windowed accumulating bias", acc.data(), want);
            compared += 2;
        }
        assertEquals(2 * CASES, compared);
    }

    /** Windows that tile the output compute, together, exactly the full forward result. */
    @Test
    void windowsTileTheOutput() {
        Random rnd = new Random(SEED + 4);
        int compared = 0;
        for (int i = 0; i < CASES / 2; i++) {
            Case c = nextCase(rnd, i);
            double[] want = ReferenceConv.forward(c.x(), c.w(), c.bias(), c.g());
            Tensor y = Tensor.zeros(c.ys());
            y.fill(SENTINEL);
            int cut = rnd.nextInt(c.ys().h() + 1);
            backend.convForward(c.x(), c.w(), c.bias(), c.g(), y, Window.of2d(0, cut, 0, c.ys().w()));
            backend.convForward(c.x(), c.w(), c.bias(), c.g(), y, Window.of2d(cut, c.ys().h(), 0, c.ys().w()));
            checkWindowed(c, "forward in two windows", y.data(), want, c.ys(), Window.full(c.ys()));
            compared++;
        }
        assertEquals(CASES / 2, compared);
    }

    /** Layer shapes like real networks (3x3 pad 1, strided, 1x1, depthwise), large enough for several row bands. */
    @Test
    void typicalLayersMatchReference() {
        Random rnd = new Random(SEED + 5);
        int[][] layers = { // n, c, h, w, k, r, stride, pad, groups
            {1, 16, 37, 40, 16, 3, 1, 1, 1}, {2, 8, 24, 19, 12, 3, 2, 1, 1}, {1, 12, 30, 30, 20, 1, 1, 0, 1},
            {2, 8, 21, 22, 8, 3, 1, 1, 8}, {1, 6, 33, 17, 9, 5, 1, 2, 3}, {3, 4, 16, 16, 4, 3, 1, 0, 2},
        };
        int compared = 0;
        for (int[] l : layers) {
            ConvGeometry g = ConvGeometry.square(l[5], l[6], l[7], 1, l[8]);
            Shape xs = Shape.nchw(l[0], l[1], l[2], l[3]);
            Shape ws = g.weightShape(l[1], l[4]);
            Shape ys = g.outputShape(xs, ws);
            Case c = new Case(compared, xs, ws, ys, g, random(rnd, xs), random(rnd, ws), random(rnd, Shape.of(l[4])),
                    random(rnd, ys), Window.full(ys), Window.full(xs));
            Tensor y = Tensor.zeros(ys);
            backend.convForward(c.x(), c.w(), c.bias(), g, y);
            assertClose(c, "forward", y.data(), ReferenceConv.forward(c.x(), c.w(), c.bias(), g));
            Tensor dx = Tensor.zeros(xs);
            backend.convBackwardData(c.dy(), c.w(), g, dx);
            assertClose(c, "backward-data", dx.data(), ReferenceConv.backwardData(c.dy(), c.w(), g, xs));
            Tensor dw = Tensor.zeros(ws);
            backend.convBackwardFilter(c.x(), c.dy(), g, dw);
            assertClose(c, "backward-filter", dw.data(), ReferenceConv.backwardFilter(c.x(), c.dy(), g, ws));
            compared++;
        }
        assertEquals(layers.length, compared);
    }

    @Test
    void rejectsMismatchedShapes() {
        ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
        Tensor x = Tensor.zeros(1, 4, 8, 8);
        Tensor w = Tensor.zeros(2, 3, 3, 3);
        Tensor y = Tensor.zeros(1, 2, 8, 8);
        assertThrows(IllegalArgumentException.class, () -> backend.convForward(x, w, null, g, y));
        Tensor w2 = Tensor.zeros(2, 4, 3, 3);
        Tensor badY = Tensor.zeros(1, 2, 7, 8);
        assertThrows(IllegalArgumentException.class, () -> backend.convForward(x, w2, null, g, badY));
        assertThrows(IllegalArgumentException.class,
                () -> backend.convForward(x, w2, null, g, y, Window.of2d(0, 9, 0, 8)));
    }

    private static void assertClose(Case c, String pass, float[] got, double[] want) {
        double err = ReferenceConv.relativeL2(got, want);
        assertTrue(err < TOLERANCE, pass + " relative L2 " + err + " >= " + TOLERANCE + " in " + c);
    }
}
