package org.spatialconv.decomposition.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Pooling;
import org.spatialconv.conv.layers.TransposedConv;
import org.spatialconv.conv.layers.Upsample;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * Every distributed layer, forward and backward (input gradient and parameter gradients), on grids with sample,
 * row, column and mixed splits (uneven blocks included), against the single-rank result.
 */
class DistributedLayersTest {
    private static final long SEED = 4242L;
    /** Relative L2 error allowed between a distributed and the single-rank result (float32, other sum order). */
    private static final double TOL = 1e-5;
    private static final int[][] GRIDS = {{1, 2, 2}, {2, 2, 1}, {1, 1, 4}, {1, 3, 1}, {2, 1, 3}};

    private int compared;

    private static Tensor random(Random rnd, Shape s) {
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.data().length; i++) {
            t.data()[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return t;
    }

    private static double rel(Tensor got, Tensor want) {
        return ReferenceConv.relativeL2(got.data(), want.data());
    }

    /** Runs {@code def} on every grid and compares with grid 1,1,1. */
    private void check(String what, NetworkDef def, Shape in, Function<Shape, Shape> target, Random rnd) {
        Tensor x = random(rnd, in);
        Shape outShape = LocalRanks.run(1, DistributedRun.TIMEOUT, ex -> new Network(def, in, new int[] {1, 1, 1},
                new RankContext(ex, new org.spatialconv.conv.layers.ReferenceBackend(),
                        org.spatialconv.conv.layers.Threads.ONE), 1).outputPlacement().global()).get(0);
        Tensor t = random(rnd, target.apply(outShape));
        DistributedRun.Result want = DistributedRun.run(def, new int[] {1, 1, 1}, x, t, Loss.MSE, 7, 0, null);
        for (int[] grid : GRIDS) {
            if (grid[0] > in.n() || grid[1] > outShape.h() || grid[2] > outShape.w()) {
                continue;
            }
            String where = what + " on grid " + Placement.gridString(grid) + " (seed " + SEED + ")";
            DistributedRun.Result got = DistributedRun.run(def, grid, x, t, Loss.MSE, 7, 0, null);
            assertTrue(rel(got.output(), want.output()) < TOL, where + " forward " + rel(got.output(),
                    want.output()));
            assertTrue(rel(got.inputGrad(), want.inputGrad()) < TOL, where + " input gradient");
            for (int i = 0; i < want.grads().size(); i++) {
                assertTrue(rel(got.grads().get(i), want.grads().get(i)) < TOL, where + " parameter gradient " + i);
            }
            for (int i = 0; i < want.buffers().size(); i++) {
                assertTrue(rel(got.buffers().get(i), want.buffers().get(i)) < TOL, where + " buffer " + i);
            }
            assertEquals(want.losses()[0], got.losses()[0], 1e-6 * Math.abs(want.losses()[0]), where + " loss");
            compared++;
        }
    }

    /** conv, batch norm, pool, upsample, concat, each on its own grid (null: the network's). */
    private static NetworkDef mixed(int[][] g) {
        NetworkDef def = new NetworkDef(2);
        String c1 = def.add("c1", () -> new ConvLayer(ConvGeometry.square(3, 1, 1, 1, 1), 3, true), g[0],
                NetworkDef.INPUT);
        String b1 = def.add("b1", () -> new BatchNormLayer(1e-5, 0.1), g[1], c1);
        String p1 = def.add("p1", () -> new PoolLayer(Pooling.Mode.MAX, ConvGeometry.square(2, 2, 0, 1, 1)), g[2], b1);
        String u1 = def.add("u1", () -> new UpsampleLayer(new Upsample(Upsample.Mode.BILINEAR, 2, 2)), g[3], p1);
        def.add("cat", ConcatLayer::new, g[4], u1, c1);
        return def;
    }

    @Test
    void perLayerGridsShuffleBetweenLayers() {
        Random rnd = new Random(SEED + 1);
        Shape in = Shape.nchw(2, 2, 12, 10);
        Tensor x = random(rnd, in);
        Tensor t = random(rnd, Shape.nchw(2, 6, 12, 10));
        NetworkDef def = mixed(new int[][] {{1, 2, 2}, {2, 1, 2}, {1, 4, 1}, {2, 2, 1}, {1, 1, 4}});
        DistributedRun.Result want = DistributedRun.run(mixed(new int[5][]), new int[] {1, 1, 1}, x, t, Loss.MSE, 3,
                0, null);
        int checked = 0;
        for (int[] grid : new int[][] {{1, 2, 2}, {4, 1, 1}, {1, 1, 4}}) {
            if (grid[0] > in.n()) {
                continue;
            }
            DistributedRun.Result got = DistributedRun.run(def, grid, x, t, Loss.MSE, 3, 0, null);
            assertTrue(rel(got.output(), want.output()) < TOL, "forward");
            assertTrue(rel(got.inputGrad(), want.inputGrad()) < TOL, "input gradient");
            for (int i = 0; i < want.grads().size(); i++) {
                assertTrue(rel(got.grads().get(i), want.grads().get(i)) < TOL, "parameter gradient " + i);
            }
            checked++;
        }
        assertEquals(2, checked);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> DistributedRun.run(def, new int[] {1, 1, 1}, x, t, Loss.MSE, 3, 0, null));
        assertTrue(e.getMessage().startsWith("layer 'c1': grid 1,2,2 has 4 ranks"), e.getMessage());
    }

    @Test
    void everyLayerMatchesSingleRank() {
        Random rnd = new Random(SEED);
        for (int c = 0; c < 4; c++) {
            int k = 1 + rnd.nextInt(4);
            int s = 1 + rnd.nextInt(2);
            ConvGeometry g = new ConvGeometry(new int[] {k, k}, new int[] {s, s},
                    new int[] {rnd.nextInt(k), rnd.nextInt(k)}, new int[] {rnd.nextInt(k), rnd.nextInt(k)},
                    new int[] {1, 1}, 1);
            Shape in = Shape.nchw(2, 2, 9 + rnd.nextInt(6), 8 + rnd.nextInt(7));

            NetworkDef conv = new NetworkDef(2);
            conv.conv("conv", NetworkDef.INPUT, 3, g, true);
            check("conv " + g, conv, in, o -> o, rnd);

            // Dilated, as meshnet's context layers: padding up to the dilated radius, partitions thinner than it.
            int dil = 2 + rnd.nextInt(3);
            ConvGeometry dg = ConvGeometry.square(3, 1, dil, dil, 1);
            NetworkDef dconv = new NetworkDef(2);
            dconv.conv("dconv", NetworkDef.INPUT, 3, dg, false);
            check("dilated conv " + dg, dconv, Shape.nchw(2, 2, 4 + rnd.nextInt(3), 4 + rnd.nextInt(3)), o -> o, rnd);

            NetworkDef tc = new NetworkDef(2);
            int ts = 1 + rnd.nextInt(3);
            ConvGeometry tg = ConvGeometry.square(1 + rnd.nextInt(4), ts, 0, 1, 1);
            tg = tg.withPadding(0, rnd.nextInt(tg.kernel(0)), rnd.nextInt(tg.kernel(0)));
            tc.transposedConv("tconv", NetworkDef.INPUT, 3, new TransposedConv(tg, rnd.nextInt(ts), rnd.nextInt(ts)),
                    true);
            check("transposed conv " + tg, tc, in, o -> o, rnd);

            for (Pooling.Mode m : Pooling.Mode.values()) {
                NetworkDef pool = new NetworkDef(2);
                pool.pool("pool", NetworkDef.INPUT, m, g);
                check("pool " + m + " " + g, pool, in, o -> o, rnd);
            }
            for (Upsample.Mode m : Upsample.Mode.values()) {
                NetworkDef up = new NetworkDef(2);
                up.upsample("up", NetworkDef.INPUT, m, 1 + rnd.nextInt(3));
                check("upsample " + m, up, in, o -> o, rnd);
            }
            NetworkDef bn = new NetworkDef(2);
            String a = bn.conv("conv", NetworkDef.INPUT, 3, ConvGeometry.square(3, 1, 1, 1, 1), false);
            String b = bn.batchNorm("bn", a);
            String r = bn.relu("relu", b, c % 2 == 0 ? 0f : 0.1f);
            String skip = bn.concat("cat", r, NetworkDef.INPUT);
            bn.conv("mix", skip, 3, ConvGeometry.square(1, 1, 0, 1, 1), true);
            bn.residual("add", "mix", "conv");
            check("conv-bn-relu-concat-add", bn, in, o -> o, rnd);

            NetworkDef head = new NetworkDef(2);
            String h = head.conv("conv", NetworkDef.INPUT, 3, g, true);
            h = head.globalAvgPool("gap", h);
            head.fullyConnected("fc", h, 4);
            check("global avg pool + fully connected", head, in, o -> o, rnd);
        }
        assertTrue(compared >= 4 * 10 * 3, "compared " + compared);
    }
}
