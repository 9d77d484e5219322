package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * The tile variants of the convolution kernels on a CUDA device (a real GPU in the bundle's run-gpu-tests, the
 * emulated driver in mvn's emulated-driver run): every variant, plain and pipelined, agrees with the float64
 * reference (forward and backward-data also give the same bits as every other variant: the choice among them is
 * speed only), and the measured choice times every candidate once, keeps the fastest and leaves the right result.
 * Skipped, with the reason, where no CUDA device is usable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaTilesTest {
    private static final long SEED = 0x711E5L;
    private static final double TOLERANCE = 1e-5;
    /**
     * TF32 rounds each operand to 10 mantissa bits (relative error up to 2^-11), so each product is off by up to
     * about 2^-10 of its magnitude: the tolerance relative to the sums of the products' magnitudes.
     */
    private static final double TF32_TOLERANCE = 2e-3;
    private static final float SENTINEL = -777.25f;
    private CudaGpu gpu;

    @BeforeAll
    void openGpu() {
        GpuTests.require("CudaTilesTest");
        gpu = CudaGpu.open(0);
    }

    @AfterAll
    void closeGpu() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = rnd.nextFloat() * 2 - 1;
        }
        return f;
    }

    /** One problem's host data, and the reference results. */
    private record Problem(Shape xs, Shape ws, ConvGeometry g, Tensor x, Tensor w, Tensor bias, Tensor dy,
            Window yWin, Window xWin, double[] yRef, double[] dxRef, float[] dwInit, double[] dwRef, double[] yAbs,
            double[] dxAbs) {
        static Problem random(Random rnd) {
            int groups = 1 + rnd.nextInt(2);
            int cg = 1 + rnd.nextInt(20);
            int kg = 1 + rnd.nextInt(40);
            ConvGeometry g = new ConvGeometry(new int[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)},
                    new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)}, new int[] {rnd.nextInt(2), rnd.nextInt(2)},
                    new int[] {rnd.nextInt(2), rnd.nextInt(2)}, new int[] {1 + rnd.nextInt(2), 1}, groups);
            Shape xs = Shape.nchw(1 + rnd.nextInt(2), cg * groups, 5 + rnd.nextInt(12), 5 + rnd.nextInt(12));
            Shape ws = g.weightShape(xs.c(), kg * groups);
            Shape ys = g.outputShape(xs, ws);
            Tensor x = new Tensor(xs, CudaTilesTest.random(rnd, xs.size()));
            Tensor w = new Tensor(ws, CudaTilesTest.random(rnd, ws.size()));
            Tensor bias = new Tensor(Shape.of(ys.c()), CudaTilesTest.random(rnd, ys.c()));
            Tensor dy = new Tensor(ys, CudaTilesTest.random(rnd, ys.size()));
            Window yWin = window(rnd, ys);
            Window xWin = window(rnd, xs);
            double[] yRef = ReferenceConv.forward(x, w, bias, g);
            double[] dxRef = ReferenceConv.backwardData(dy, w, g, xs);
            float[] dwInit = CudaTilesTest.random(rnd, ws.size());
            double[] dwRef = ReferenceConv.backwardFilter(x, dy, g, ws);
            for (int i = 0; i < dwRef.length; i++) {
                dwRef[i] += dwInit[i];
            }
            // The sums of the products' magnitudes: the scale of TF32's rounding error per output.
            double[] yAbs = ReferenceConv.forward(abs(x), abs(w), abs(bias), g);
            double[] dxAbs = ReferenceConv.backwardData(abs(dy), abs(w), g, xs);
            return new Problem(xs, ws, g, x, w, bias, dy, yWin, xWin, yRef, dxRef, dwInit, dwRef, yAbs, dxAbs);
        }

        private static Tensor abs(Tensor t) {
            float[] d = t.data().clone();
            for (int i = 0; i < d.length; i++) {
                d[i] = Math.abs(d[i]);
            }
            return new Tensor(t.shape(), d);
        }

        private static Window window(Random rnd, Shape s) {
            int h0 = rnd.nextInt(s.h());
            int w0 = rnd.nextInt(s.w());
            return Window.of2d(h0, h0 + 1 + rnd.nextInt(s.h() - h0), w0, w0 + 1 + rnd.nextInt(s.w() - w0));
        }

        /**
         * Asserts {y, dx, dw}: y and dx within {@code tolerance} inside their windows (relative to the results, or,
         * where {@code tf32}, to the sums of the products' magnitudes) and untouched outside, dw (float32 in every
         * variant) within {@link #TOLERANCE}; returns the larger window error of y and dx.
         */
        double check(float[][] got, double tolerance, boolean tf32, String ctx) {
            Shape ys = g.outputShape(xs, ws);
            double f = WindowedResult.error(got[0], yRef, tf32 ? yAbs : yRef, ys, yWin);
            double d = WindowedResult.error(got[1], dxRef, tf32 ? dxAbs : dxRef, xs, xWin);
            assertTrue(f < tolerance, "forward " + f + " " + ctx);
            assertTrue(d < tolerance, "backward-data " + d + " " + ctx);
            assertEquals(-1, WindowedResult.firstChangedOutside(got[0], ys, yWin, SENTINEL), "forward outside " + ctx);
            assertEquals(-1, WindowedResult.firstChangedOutside(got[1], xs, xWin, SENTINEL), "backward-data outside "
                    + ctx);
            assertTrue(ReferenceConv.relativeL2(got[2], dwRef) < TOLERANCE, "backward-filter " + ctx);
            return Math.max(f, d);
        }

        @Override
        public String toString() {
            return "x=" + xs + " w=" + ws + " " + g + " y window " + yWin + " x window " + xWin;
        }
    }

    /**
     * Runs forward, backward-data and backward-filter (accumulating onto dwInit, over the whole dy) of {@code p}
     * through {@code conv}; returns {y, dx, dw} as read back.
     */
    private float[][] run(CudaConv conv, Problem p) {
        CudaContext ctx = gpu.context();
        Shape ys = p.g().outputShape(p.xs(), p.ws());
        float[] y0 = new float[ys.size()];
        java.util.Arrays.fill(y0, SENTINEL);
        float[] dx0 = new float[p.xs().size()];
        java.util.Arrays.fill(dx0, SENTINEL);
        float[] dw0 = p.dwInit().clone();
        Window dyWin = Window.full(ys);
        try (CudaStream st = ctx.createStream(); DeviceBuffer x = upload(p.x().data()); DeviceBuffer w = upload(p.w().data());
             DeviceBuffer b = upload(p.bias().data()); DeviceBuffer dy = upload(p.dy().data()); DeviceBuffer y = upload(y0);
             DeviceBuffer dx = upload(dx0); DeviceBuffer dw = upload(dw0);
             DeviceBuffer work = ctx.allocate(conv.backwardFilterWorkspace(p.xs(), p.ws(), p.g(), dyWin))) {
            conv.forward(x, p.xs(), w, p.ws(), b, p.g(), y, p.yWin(), st);
            conv.backwardData(dy, w, p.ws(), p.g(), dx, p.xs(), p.xWin(), st);
            conv.backwardFilter(x, p.xs(), dy, p.g(), dw, p.ws(), dyWin, true, work, st);
            st.synchronize();
            y.copyToHost(y0);
            dx.copyToHost(dx0);
            dw.copyToHost(dw0);
            return new float[][] {y0, dx0, dw0};
        }
    }

    private DeviceBuffer upload(float[] data) {
        DeviceBuffer b = gpu.context().allocate(data.length);
        b.copyFromHost(data);
        return b;
    }

    @Test
    void everyVariantMatchesTheReferenceAndEveryOtherVariantBitForBit() {
        Random rnd = new Random(SEED);
        int sms = gpu.context().multiprocessorCount();
        int checked = 0;
        for (int c = 0; c < 3; c++) {
            Problem p = Problem.random(rnd);
            float[][] first = null;
            for (String v : ConvLaunch.variantNames()) {
                CudaConv conv = new CudaConv(gpu.module(), sms, TileSelector.Policy.parse(v, null), null);
                float[][] got = run(conv, p);
                String ctx = "seed " + SEED + " case " + c + " variant " + v + ": " + p;
                p.check(got, TOLERANCE, false, ctx);
                if (first == null) {
                    first = got;
                } else {
                    assertArrayEquals(first[0], got[0], "forward bits differ from " + ConvLaunch.variantNames().get(0)
                            + ": " + ctx);
                    assertArrayEquals(first[1], got[1], "backward-data bits differ: " + ctx);
                }
                checked += 3;
            }
        }
        int variants = ConvLaunch.variantNames().size();
        assertEquals(3 * 3 * variants, checked);
        assertTrue(ConvLaunch.variantNames().containsAll(ConvLaunch.filterVariantNames()),
                "forcing every forward variant also forced every backward-filter variant");
        System.out.println("CudaTilesTest: " + checked + " pass runs over " + variants + " forced variants, all within "
                + TOLERANCE + " of the float64 reference; forward and backward-data bit-identical across variants");
    }

    @Test
    void tf32VariantsAreWithinTf32RoundingOfTheReference() {
        Random rnd = new Random(SEED + 2);
        int sms = gpu.context().multiprocessorCount();
        double worst = 0;
        for (int c = 0; c < 3; c++) {
            Problem p = Problem.random(rnd);
            for (String v : ConvLaunch.TF32_VARIANTS) {
                float[][] got = run(new CudaConv(gpu.module(), sms, TileSelector.Policy.parse(v, null), null), p);
                String ctx = "seed " + (SEED + 2) + " case " + c + " variant " + v + ": " + p;
                worst = Math.max(worst, p.check(got, TF32_TOLERANCE, true, ctx));
            }
        }
        assertTrue(worst > TOLERANCE / 10 && worst < TF32_TOLERANCE, "TF32 variants round their inputs: worst error "
                + "inside the windows " + worst);
        System.out.println("CudaTilesTest: TF32 variants within " + TF32_TOLERANCE + " of the reference (worst inside "
                + "the windows " + worst + ")");
        try (DeviceLaunchTimer timer = new DeviceLaunchTimer(gpu.context())) {
            CudaConv conv = new CudaConv(gpu.module(), sms, TileSelector.Policy.parse("measure", null).withTf32(true),
                    timer);
            run(conv, Problem.random(rnd));
            long tf32Timed = conv.tileChoices().values().stream()
                    .filter(ch -> ch.verdicts().containsKey(ConvLaunch.TF32_VARIANTS.get(0))).count();
            assertEquals(2, tf32Timed, "forward and backward-data measure the TF32 variant too: " + conv.tileChoices());
        }
    }

    @Test
    void measuredChoiceTimesEveryCandidateOnceAndKeepsTheFastest() {
        Random rnd = new Random(SEED + 1);
        Problem p = Problem.random(rnd);
        try (DeviceLaunchTimer timer = new DeviceLaunchTimer(gpu.context())) {
            CudaConv conv = new CudaConv(gpu.module(), gpu.context().multiprocessorCount(),
                    TileSelector.Policy.parse("measure", null), timer);
            float[][] got = run(conv, p);
            p.check(got, TOLERANCE, false, "measured: " + p);
            Map<ConvProblem, TileSelector.Choice> choices = conv.tileChoices();
            assertEquals(3, choices.size(), choices.toString());
            for (Map.Entry<ConvProblem, TileSelector.Choice> e : choices.entrySet()) {
                TileSelector.Choice c = e.getValue();
                assertEquals("measured", c.how(), c.describe());
                ConvPass pass = e.getKey().pass();
                int rows = pass == ConvPass.BACKWARD_DATA ? p.xs().c() / p.g().groups() : p.ws().dim(0) / p.g().groups();
                Window win = e.getKey().window();
                List<String> candidates = pass == ConvPass.BACKWARD_FILTER ? ConvLaunch.filterCandidateVariants(rows)
                        : ConvLaunch.candidateVariants(rows, (long) p.xs().n() * win.extent(0) * win.extent(1));
                assertEquals(candidates, List.copyOf(c.verdicts().keySet()), "every candidate timed: " + c.describe());
                double best = Double.POSITIVE_INFINITY;
                for (String v : c.verdicts().values()) {
                    assertTrue(v.endsWith(" ms"), c.describe());
                    best = Math.min(best, Double.parseDouble(v.substring(0, v.length() - 3)));
                }
                String chosen = c.verdicts().get(c.variant());
                assertEquals(best, Double.parseDouble(chosen.substring(0, chosen.length() - 3)), c.describe());
                System.out.println("CudaTilesTest: " + e.getKey().pass().label() + " " + c.describe());
            }
            float[][] again = run(conv, p);
            assertArrayEquals(got[0], again[0]);
            assertArrayEquals(got[1], again[1]);
            assertArrayEquals(got[2], again[2]);
            assertEquals(choices, conv.tileChoices(), "the second call reuses the choices");
        }
    }
}
