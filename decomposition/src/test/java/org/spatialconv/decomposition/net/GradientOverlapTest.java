package org.spatialconv.decomposition.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.conv.layers.Pooling;
import org.spatialconv.conv.layers.ReferenceBackend;
import org.spatialconv.conv.layers.Sgd;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.conv.layers.Upsample;

/**
 * {@link Network#overlapGradients}: the gradients summed in buckets during backward give bit-identical
 * parameters to the fused allreduce after backward, for every bucket size (one bucket per layer up to one for
 * all) and on sample, spatial and hybrid grids; misuse and a failing rank give clear errors.
 */
class GradientOverlapTest {
    private static NetworkDef net() {
        NetworkDef def = new NetworkDef(2);
        String c1 = def.conv("c1", NetworkDef.INPUT, 8, ConvGeometry.square(3, 1, 1, 1, 1), true);
        String b1 = def.batchNorm("b1", c1);
        String r1 = def.relu("r1", b1, 0.1f);
        String p1 = def.pool("p1", r1, Pooling.Mode.MAX, ConvGeometry.square(2, 2, 0, 1, 1));
        String c2 = def.conv("c2", p1, 8, ConvGeometry.square(3, 1, 1, 1, 1), true);
        String u1 = def.upsample("u1", c2, Upsample.Mode.NEAREST, 2);
        String cat = def.concat("cat", u1, r1);
        def.conv("head", cat, 2, ConvGeometry.square(3, 1, 1, 1, 1), true);
        return def;
    }

    /** Every rank's parameters after {@code steps} SGD steps, flattened, and the number of buckets. */
    private static List<Object[]> train(int[] grid, long bucketBytes, int steps) {
        Shape input = Shape.nchw(4, 2, 16, 16);
        int ranks = grid[0] * grid[1] * grid[2];
        NetworkDef def = net();
        return LocalRanks.run(ranks, Duration.ofMinutes(1), ex -> {
            try (Backend cpu = Backends.create("cpu", BackendOptions.threads(1));
                 Network n = new Network(def, input, grid, new RankContext(ex, cpu, Threads.ONE), 5)) {
                if (bucketBytes > 0) {
                    n.overlapGradients(bucketBytes);
                }
                Sgd opt = new Sgd(0.05, 0.9, 1e-4);
                Random data = new Random(11);
                for (int s = 0; s < steps; s++) {
                    Tensor x = Tensor.zeros(input);
                    for (int i = 0; i < x.data().length; i++) {
                        x.data()[i] = (float) data.nextGaussian();
                    }
                    Tensor mine = n.inputPlacement().block(x, ex.rank());
                    n.forward(mine, true);
                    n.loss(Loss.MSE, mine);
                    n.backward();
                    n.step(opt);
                }
                List<Float> all = new ArrayList<>();
                for (Parameter p : n.parameters()) {
                    for (float v : p.value().data()) {
                        all.add(v);
                    }
                }
                float[] flat = new float[all.size()];
                for (int i = 0; i < flat.length; i++) {
                    flat[i] = all.get(i);
                }
                return new Object[] {flat, n.gradientBuckets()};
            }
        });
    }

    @Test
    void bucketedSumsAreBitIdenticalToTheFusedAllreduce() {
        int checked = 0;
        for (int[] grid : new int[][] {{2, 1, 1}, {1, 2, 2}, {2, 1, 2}, {1, 2, 1}}) {
            List<Object[]> fused = train(grid, 0, 3);
            float[] want = (float[]) fused.get(0)[0];
            assertEquals(0, (int) fused.get(0)[1]);
            // 1 byte: one bucket per layer with parameters (c1, b1, c2, head); 2 KiB: head + c2, then b1 + c1;
            // 1 GiB: one bucket for all.
            int[] wantBuckets = {4, 2, 1};
            long[] sizes = {1, 2048, 1L << 30};
            for (int k = 0; k < sizes.length; k++) {
                List<Object[]> got = train(grid, sizes[k], 3);
                assertEquals(wantBuckets[k], (int) got.get(0)[1], "buckets of " + sizes[k] + " bytes");
                for (Object[] r : got) {
                    assertArrayEquals(want, (float[]) r[0], "grid " + java.util.Arrays.toString(grid) + ", buckets of "
                            + sizes[k] + " bytes");
                    checked++;
                }
            }
        }
        assertEquals(3 * (2 + 4 + 4 + 2), checked);
    }

    @Test
    void backwardTwiceWithoutStepIsAClearError() {
        Shape input = Shape.nchw(2, 2, 8, 8);
        NetworkDef def = net();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LocalRanks.run(2, Duration.ofSeconds(30), ex -> {
                    try (Network n = new Network(def, input, new int[] {2, 1, 1},
                            new RankContext(ex, new ReferenceBackend(), Threads.ONE), 1)) {
                        n.overlapGradients(1 << 20);
                        Tensor x = Tensor.zeros(n.inputPlacement().ownShape(ex.rank()));
                        n.forward(x, true);
                        n.loss(Loss.MSE, x);
                        n.backward();
                        n.forward(x, true);
                        n.loss(Loss.MSE, x);
                        n.backward();
                        return null;
                    }
                }));
        assertTrue(e.getMessage().contains("call step()"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LocalRanks.run(1, Duration.ofSeconds(30), ex -> {
            try (Network n = new Network(def, input, new int[] {1, 1, 1}, new RankContext(ex, new ReferenceBackend(), Threads.ONE), 1)) {
                n.overlapGradients(0);
                return null;
            }
        }));
    }

    @Test
    void aRankFailingDuringBackwardFailsEveryRankWithItsCause() {
        Shape input = Shape.nchw(2, 2, 8, 8);
        NetworkDef def = net();
        long t0 = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LocalRanks.run(2, Duration.ofSeconds(30), ex -> {
                    try (Network n = new Network(def, input, new int[] {1, 1, 2},
                            new RankContext(ex, new ReferenceBackend(), Threads.ONE), 1)) {
                        n.overlapGradients(1);
                        Tensor x = Tensor.zeros(n.inputPlacement().ownShape(ex.rank()));
                        n.forward(x, true);
                        n.loss(Loss.MSE, x);
                        n.backward(); // every bucket's allreduce is started on both ranks
                        if (ex.rank() == 1) {
                            throw new IllegalStateException("rank one broke before its step");
                        }
                        n.forward(x, true); // rank 0 goes on into the next step and its exchanges
                        n.loss(Loss.MSE, x);
                        return null;
                    }
                }));
        assertEquals("rank one broke before its step", e.getMessage());
        assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "the failure must not wait for the timeout");
    }
}
