package org.spatialconv.decomposition.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.reference.ReferenceConv;
import org.spatialconv.decomposition.grid.ProcessGrid;

/**
 * Deterministic corner cases the random property test may not hit: ranks whose outputs read only padding
 * (their needed input is empty), strides larger than the kernel (the needed input does not cover the owned
 * input, so the local problem runs on a copy), and one row per rank with a halo spanning several peers.
 */
class DistributedConvEdgeCasesTest {
    private static final double TOLERANCE = DistributedConvPropertyTest.TOLERANCE;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void edgeCasesEqualSingleRank() {
        Object[][] cases = {
            // outputs of rank 0 and 3 read only padding rows
            {new ConvGeometry(new int[] {1, 1}, new int[] {1, 1}, new int[] {3, 0}, new int[] {3, 0},
                new int[] {1, 1}, 1), Shape.nchw(1, 2, 4, 3), ProcessGrid.nhw(1, 4, 1)},
            // 1x1 stride 3: every other input row is never read
            {ConvGeometry.square(1, 3, 0, 1, 1), Shape.nchw(2, 2, 9, 9), ProcessGrid.nhw(2, 3, 1)},
            // 5x5 dilation 2 on one row per rank: each halo spans four peers
            {ConvGeometry.square(5, 1, 4, 2, 1), Shape.nchw(1, 1, 8, 5), ProcessGrid.nhw(1, 8, 1)},
            // even kernel, asymmetric padding, both spatial dimensions split unevenly
            {new ConvGeometry(new int[] {2, 4}, new int[] {1, 2}, new int[] {1, 0}, new int[] {0, 3},
                new int[] {1, 1}, 1), Shape.nchw(1, 3, 7, 11), ProcessGrid.nhw(1, 2, 3)},
        };
        Random rnd = new Random(99);
        int checked = 0;
        for (Object[] cs : cases) {
            ConvGeometry g = (ConvGeometry) cs[0];
            Shape x = (Shape) cs[1];
            ProcessGrid grid = (ProcessGrid) cs[2];
            Shape w = g.weightShape(x.c(), 2);
            Shape y = g.outputShape(x, w);
            Tensor xt = DistributedConvPropertyTest.random(x, rnd);
            Tensor wt = DistributedConvPropertyTest.random(w, rnd);
            Tensor bt = DistributedConvPropertyTest.random(Shape.of(2), rnd);
            Tensor dy = DistributedConvPropertyTest.random(y, rnd);
            for (OverlapMode mode : OverlapMode.values()) {
                try (DistributedConvRunner run = new DistributedConvRunner(grid, g, x, w,
                        r -> new ReferenceWindowBackend(), mode, TIMEOUT)) {
                    Tensor yd = Tensor.zeros(y);
                    run.forward(xt, wt, bt, yd);
                    Tensor dx = Tensor.zeros(x);
                    run.backwardData(dy, wt, dx);
                    Tensor dw = Tensor.zeros(w);
                    Tensor db = Tensor.zeros(Shape.of(2));
                    run.backwardFilter(xt, dy, dw, db);
                    String ctx = g + " " + x + " grid " + grid + " " + mode;
                    assertClose(ReferenceConv.forward(xt, wt, bt, g), yd, ctx + " forward");
                    assertClose(ReferenceConv.backwardData(dy, wt, g, x), dx, ctx + " dx");
                    assertClose(ReferenceConv.backwardFilter(xt, dy, g, w), dw, ctx + " dw");
                    assertClose(ReferenceConv.biasBackward(dy), db, ctx + " db");
                    checked++;
                }
            }
        }
        assertEquals(2 * cases.length, checked);
    }

    private static void assertClose(double[] want, Tensor got, String what) {
        double err = ReferenceConv.relativeL2(got.data(), want);
        assertTrue(err < TOLERANCE, what + ": rel L2 " + err);
    }
}
