package org.spatialconv.conv.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.BackendContractTest;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.reference.ReferenceConv;

/** Which layers take Winograd F(2x2,3x3), the setting that chooses it, and a wide layer against the reference. */
class WinogradTest {
    private static Geo geo(int c, int k, int kernel, int stride, int dilation, int groups) {
        ConvGeometry g = new ConvGeometry(new int[] {kernel, kernel}, new int[] {stride, stride},
                new int[] {1, 1}, new int[] {1, 1}, new int[] {dilation, dilation}, groups);
        Shape xs = Shape.nchw(1, c, 20, 20);
        Shape ws = g.weightShape(c, k);
        return new Geo(xs, ws, g.outputShape(xs, ws), g);
    }

    @Test
    void automaticChoiceTakesWinogradForWide3x3Stride1LayersOnly() {
        CpuConfig auto = CpuConfig.defaults(1).withAlgorithm(CpuConfig.Algorithm.AUTO);
        assertTrue(Passes.winograd(geo(128, 128, 3, 1, 1, 1), auto, 64), "128 channels and filters, width 64");
        assertFalse(Passes.winograd(geo(256, 256, 3, 1, 1, 1), auto, 63), "width 63");
        assertTrue(Passes.winograd(geo(64, 64, 3, 1, 1, 1), auto, 128), "64 and width 128");
        assertFalse(Passes.winograd(geo(64, 64, 3, 1, 1, 1), auto, 127), "64 and width 127");
        assertFalse(Passes.winograd(geo(128, 64, 3, 1, 1, 1), auto, 64), "64 filters, width 64");
        assertFalse(Passes.winograd(geo(32, 256, 3, 1, 1, 1), auto, 1024), "too few channels");
        assertFalse(Passes.winograd(geo(256, 32, 3, 1, 1, 1), auto, 1024), "too few filters");
        assertTrue(Passes.winograd(geo(512, 512, 3, 1, 1, 4), auto, 64), "128 channels and filters per group");
        assertTrue(Passes.winograd(geo(512, 512, 3, 1, 1, 8), auto, 128), "64 per group, width 128");
        assertFalse(Passes.winograd(geo(512, 512, 3, 1, 1, 16), auto, 1024), "32 per group");
        assertFalse(Passes.winograd(geo(256, 256, 5, 1, 1, 1), auto, 1024), "5x5");
        assertFalse(Passes.winograd(geo(256, 256, 3, 2, 1, 1), auto, 1024), "stride 2");
        assertFalse(Passes.winograd(geo(256, 256, 3, 1, 2, 1), auto, 1024), "dilation 2");
        CpuConfig forced = auto.withAlgorithm(CpuConfig.Algorithm.WINOGRAD);
        assertTrue(Passes.winograd(geo(1, 1, 3, 1, 1, 1), forced, 1));
        assertFalse(Passes.winograd(geo(64, 64, 3, 2, 1, 1), forced, 64), "forced still needs stride 1");
        assertFalse(Passes.winograd(geo(256, 256, 3, 1, 1, 1), auto.withAlgorithm(CpuConfig.Algorithm.GEMM), 1024));
    }

    @Test
    void algorithmSettingParsesAndNamesItselfWhenWrong() {
        assertEquals(CpuConfig.Algorithm.AUTO, CpuConfig.Algorithm.fromSettings(null, null));
        assertEquals(CpuConfig.Algorithm.AUTO, CpuConfig.Algorithm.fromSettings(" ", ""));
        assertEquals(CpuConfig.Algorithm.WINOGRAD, CpuConfig.Algorithm.fromSettings(" Winograd ", null));
        assertEquals(CpuConfig.Algorithm.GEMM, CpuConfig.Algorithm.fromSettings(null, "gemm"));
        assertEquals(CpuConfig.Algorithm.GEMM, CpuConfig.Algorithm.fromSettings("gemm", "winograd"),
                "the property wins over the environment");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuConfig.Algorithm.fromSettings(null, "fast"));
        assertEquals("SPATIALCONV_CPU_CONV=fast is not a CPU convolution algorithm; use auto, gemm or winograd",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CpuConfig(1, 1, 1, null));
    }

    @Test
    void describeNamesTheAlgorithm() {
        try (CpuBackend a = new CpuBackend(CpuConfig.defaults(1).withAlgorithm(CpuConfig.Algorithm.AUTO));
             CpuBackend g = new CpuBackend(CpuConfig.defaults(1).withAlgorithm(CpuConfig.Algorithm.GEMM));
             CpuBackend w = new CpuBackend(CpuConfig.defaults(1).withAlgorithm(CpuConfig.Algorithm.WINOGRAD))) {
            assertTrue(a.describe().startsWith("cpu: im2col+sgemm, winograd F(2x2,3x3) for 3x3 stride-1 layers"
                    + " at least 64 wide with >= 128 channels and filters per group (>= 64 at widths >= 128), "),
                    a.describe());
            assertTrue(g.describe().startsWith("cpu: im2col+sgemm (winograd off), "), g.describe());
            assertTrue(w.describe().startsWith("cpu: winograd F(2x2,3x3) for every 3x3 stride-1 layer"),
                    w.describe());
        }
    }

    /**
     * A layer the automatic choice gives to Winograd (130 channels, 128 filters, 67 columns, an odd width), 2
     * workers, against the float64 reference and the GEMM path:
     * forward with bias, backward-data, and backward-filter accumulating onto a non-zero gradient.
     */
    @Test
    void wideLayerMatchesReferenceAndGemmPath() {
        Random rnd = new Random(20261125L);
        ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
        Shape xs = Shape.nchw(1, 130, 5, 67);
        Shape ws = g.weightShape(130, 128);
        Shape ys = g.outputShape(xs, ws);
        Tensor x = random(rnd, xs);
        Tensor w = random(rnd, ws);
        Tensor bias = random(rnd, Shape.of(128));
        Tensor dy = random(rnd, ys);
        Tensor dw0 = random(rnd, ws);
        double tol = BackendContractTest.TOLERANCE;
        try (CpuBackend win = new CpuBackend(CpuConfig.defaults(2).withAlgorithm(CpuConfig.Algorithm.AUTO));
             CpuBackend gemm = new CpuBackend(CpuConfig.defaults(2).withAlgorithm(CpuConfig.Algorithm.GEMM))) {
            assertTrue(Passes.winograd(new Geo(xs, ws, ys, g), win.config(), ys.w()));
            Tensor y = Tensor.zeros(ys);
            Tensor yg = Tensor.zeros(ys);
            win.convForward(x, w, bias, g, y);
            gemm.convForward(x, w, bias, g, yg);
            assertClose("forward", ReferenceConv.relativeL2(y.data(), ReferenceConv.forward(x, w, bias, g)), tol);
            assertClose("forward vs gemm", ReferenceConv.relativeL2(y.data(), yg.data()), tol);
            Tensor dx = Tensor.zeros(xs);
            win.convBackwardData(dy, w, g, dx);
            assertClose("backward-data",
                    ReferenceConv.relativeL2(dx.data(), ReferenceConv.backwardData(dy, w, g, xs)), tol);
            Tensor dw = new Tensor(ws, dw0.data().clone());
            win.convBackwardFilter(x, dy, g, dw, org.spatialconv.conv.Window.full(ys), true);
            double[] want = ReferenceConv.backwardFilter(x, dy, g, ws);
            for (int i = 0; i < want.length; i++) {
                want[i] += dw0.data()[i];
            }
            assertClose("accumulating backward-filter", ReferenceConv.relativeL2(dw.data(), want), tol);
        }
    }

    private static void assertClose(String what, double err, double tol) {
        assertTrue(err < tol, what + ": relative L2 " + err + " >= " + tol);
    }

    private static Tensor random(Random rnd, Shape s) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return new Tensor(s, d);
    }
}
