package org.spatialconv.decomposition.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.ReferenceBackend;
import org.spatialconv.conv.layers.Sgd;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.conv.reference.ReferenceConv;
import org.spatialconv.decomposition.grid.Region;

/**
 * A ResNet-like head (conv, batch norm, ReLU, global average pooling, fully connected, ReLU, fully connected,
 * softmax cross-entropy): the fully connected layers run sample-parallel after the shuffle from the spatial grid,
 * and loss, input gradient, parameter gradients and parameters after SGD steps equal the single-rank ones on
 * every grid, with batch >= ranks (sample-parallel, even and uneven blocks) and batch < ranks (replicated).
 */
class SampleParallelHeadTest {
    private static final long SEED = 515L;
    /** Relative L2 error allowed against the single-rank result (float32, other summation order). */
    private static final double TOL = 1e-5;
    private static final int CLASSES = 5;
    private static final int[][] GRIDS = {{1, 1, 1}, {1, 2, 2}, {2, 2, 1}, {1, 1, 4}};

    private static NetworkDef head() {
        NetworkDef def = new NetworkDef(3);
        String c = def.conv("conv", NetworkDef.INPUT, 6, ConvGeometry.square(3, 2, 1, 1, 1), false);
        String b = def.batchNorm("bn", c);
        String r = def.relu("relu", b, 0f);
        String g = def.globalAvgPool("gap", r);
        String f1 = def.fullyConnected("fc1", g, 8);
        String r2 = def.relu("relu2", f1, 0.1f);
        def.fullyConnected("fc2", r2, CLASSES);
        return def;
    }

    private static double rel(Tensor got, Tensor want) {
        return ReferenceConv.relativeL2(got.data(), want.data());
    }

    /** The output placement the network chooses for {@code batch} samples on {@code grid}. */
    private static Placement outputPlacement(Shape in, int[] grid) {
        int ranks = grid[0] * grid[1] * grid[2];
        return LocalRanks.run(ranks, DistributedRun.TIMEOUT, ex -> new Network(head(), in, grid,
                new RankContext(ex, new ReferenceBackend(), Threads.ONE), 1).outputPlacement()).get(0);
    }

    private int compare(int batch, boolean expectSampleParallel) {
        Random rnd = new Random(SEED + batch);
        Shape in = Shape.nchw(batch, 3, 12, 12);
        Tensor x = Tensor.zeros(in);
        for (int i = 0; i < x.data().length; i++) {
            x.data()[i] = (float) rnd.nextGaussian();
        }
        Tensor labels = Tensor.zeros(Shape.nchw(batch, 1, 1, 1));
        for (int i = 0; i < batch; i++) {
            labels.data()[i] = rnd.nextInt(CLASSES);
        }
        NetworkDef def = head();
        int[] one = {1, 1, 1};
        DistributedRun.Result want = DistributedRun.run(def, one, x, labels, Loss.SOFTMAX_CROSS_ENTROPY, 3, 0, null);
        DistributedRun.Result wantTrained = DistributedRun.run(def, one, x, labels, Loss.SOFTMAX_CROSS_ENTROPY, 3, 3,
                () -> new Sgd(0.05, 0.9, 1e-4));
        int checked = 0;
        for (int[] grid : GRIDS) {
            if (grid[0] > batch) {
                continue;
            }
            String where = "batch " + batch + " grid " + Placement.gridString(grid) + " (seed " + SEED + ")";
            int ranks = grid[0] * grid[1] * grid[2];
            Placement op = outputPlacement(in, grid);
            if (ranks > 1) {
                assertEquals(expectSampleParallel, !op.isReplicated(), where + " output placement " + op);
            }
            if (!op.isReplicated()) {
                assertArrayEquals(new int[] {ranks, 1, 1}, op.grid(), where + " output placement " + op);
            }
            DistributedRun.Result got = DistributedRun.run(def, grid, x, labels, Loss.SOFTMAX_CROSS_ENTROPY, 3, 0,
                    null);
            assertEquals(want.losses()[0], got.losses()[0], TOL * Math.abs(want.losses()[0]), where + " loss");
            assertTrue(rel(got.output(), want.output()) < TOL, where + " logits " + rel(got.output(), want.output()));
            assertTrue(rel(got.inputGrad(), want.inputGrad()) < TOL, where + " input gradient");
            for (int i = 0; i < want.grads().size(); i++) {
                double e = rel(got.grads().get(i), want.grads().get(i));
                assertTrue(e < TOL, where + " parameter gradient " + i + ": " + e);
            }
            DistributedRun.Result trained = DistributedRun.run(def, grid, x, labels, Loss.SOFTMAX_CROSS_ENTROPY, 3, 3,
                    () -> new Sgd(0.05, 0.9, 1e-4));
            for (int s = 0; s < 3; s++) {
                assertEquals(wantTrained.losses()[s], trained.losses()[s], TOL * Math.abs(wantTrained.losses()[s]),
                        where + " loss of step " + s);
            }
            for (int i = 0; i < wantTrained.params().size(); i++) {
                double e = rel(trained.params().get(i), wantTrained.params().get(i));
                assertTrue(e < TOL, where + " parameter " + i + " after 3 steps: " + e);
            }
            checked++;
        }
        return checked;
    }

    @Test
    void sampleParallelHeadMatchesSingleRank() {
        assertEquals(GRIDS.length, compare(4, true));
        assertEquals(GRIDS.length, compare(6, true)); // uneven sample blocks 2,2,1,1
    }

    @Test
    void fewerSamplesThanRanksFallsBackToReplicated() {
        // 2 samples on 4 ranks (grids 1,2,2 / 2,2,1 / 1,1,4): the head is replicated on every rank.
        assertEquals(GRIDS.length, compare(2, false));
    }

    @Test
    void samplePlacementSplitsWholeSamples() {
        Placement p = Placement.samples(4, Shape.nchw(6, 3, 1, 1));
        int[] counts = new int[4];
        for (int r = 0; r < 4; r++) {
            Region b = p.own(r);
            counts[r] = b.extent(0);
            assertEquals(new Region(new int[] {b.lo(0), 0, 0, 0}, new int[] {b.hi(0), 3, 1, 1}), b);
        }
        assertArrayEquals(new int[] {2, 2, 1, 1}, counts);
        assertTrue(p.isFlatSamples());
        assertTrue(Placement.samples(4, Shape.nchw(3, 3, 1, 1)).isReplicated());
    }
}
