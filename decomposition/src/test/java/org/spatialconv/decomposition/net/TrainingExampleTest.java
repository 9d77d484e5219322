package org.spatialconv.decomposition.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.BatchNorm;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.conv.layers.Pooling;
import org.spatialconv.conv.layers.ReferenceBackend;
import org.spatialconv.conv.layers.Sgd;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.conv.layers.Upsample;

/**
 * The example of docs/training.md, run as written; parameter save/load; batch-norm statistics against the
 * single-rank statistics; and a failing rank failing every rank.
 */
class TrainingExampleTest {
    private static final double STAT_TOL = 1e-6;

    @TempDir
    Path dir;

    /** The docs/training.md example: a small encoder-decoder trained on 4 in-JVM ranks (grid 1,2,2). */
    static List<double[]> example(Path saveTo) {
        NetworkDef def = new NetworkDef(1);
        String c1 = def.conv("c1", NetworkDef.INPUT, 8, ConvGeometry.square(3, 1, 1, 1, 1), false);
        String b1 = def.batchNorm("b1", c1);
        String r1 = def.relu("r1", b1, 0f);
        String p1 = def.pool("p1", r1, Pooling.Mode.MAX, ConvGeometry.square(2, 2, 0, 1, 1));
        String u1 = def.upsample("u1", p1, Upsample.Mode.BILINEAR, 2);
        String cat = def.concat("cat", u1, r1);
        def.conv("head", cat, 1, ConvGeometry.square(3, 1, 1, 1, 1), true);

        Shape input = Shape.nchw(4, 1, 32, 32);
        int[] grid = {1, 2, 2};
        return LocalRanks.run(4, Duration.ofMinutes(1), ex -> {
            try (Backend cpu = Backends.create("cpu", BackendOptions.threads(1))) {
                Network net = new Network(def, input, grid, new RankContext(ex, cpu, Threads.ONE), 42);
                Placement mine = net.inputPlacement();
                Sgd opt = new Sgd(0.01, 0.9, 1e-4);
                Random data = new Random(7);
                double[] losses = new double[20];
                for (int step = 0; step < losses.length; step++) {
                    Tensor x = Tensor.zeros(input);               // every rank draws the same global batch ...
                    for (int i = 0; i < x.data().length; i++) {
                        x.data()[i] = (float) data.nextGaussian();
                    }
                    Tensor target = mine.block(x, ex.rank());     // ... and keeps its block
                    net.forward(mine.block(x, ex.rank()), true);
                    losses[step] = net.loss(Loss.MSE, target);  // learn the identity map
                    net.backward();
                    net.step(opt);
                }
                if (saveTo != null) {
                    ParameterFiles.save(net, ex, saveTo);
                }
                return losses;
            }
        });
    }

    @Test
    void exampleTrainsAndSavesIdenticalParameters() {
        List<double[]> losses = example(dir);
        double[] l = losses.get(0);
        assertTrue(l[l.length - 1] < 0.5 * l[0], "loss should fall: " + java.util.Arrays.toString(l));
        for (double[] other : losses) {
            assertArrayEquals(l, other, "every rank reports the same global loss");
        }
        // Load the saved files into a fresh single-rank instance: names and shapes must match.
        NetworkDef def = new NetworkDef(1);
        def.conv("c1", NetworkDef.INPUT, 8, ConvGeometry.square(3, 1, 1, 1, 1), false);
        NetworkDef other = new NetworkDef(1);
        other.conv("c1", NetworkDef.INPUT, 4, ConvGeometry.square(3, 1, 1, 1, 1), false);
        LocalRanks.run(1, Duration.ofSeconds(30), ex -> {
            RankContext one = new RankContext(ex, new ReferenceBackend(), Threads.ONE);
            Network fresh = new Network(def, Shape.nchw(1, 1, 8, 8), new int[] {1, 1, 1}, one, 1);
            ParameterFiles.load(fresh, dir);
            assertTrue(fresh.parameters().get(0).value().data()[0] != 0f);
            Network wrong = new Network(other, Shape.nchw(1, 1, 8, 8), new int[] {1, 1, 1}, one, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ParameterFiles.load(wrong, dir));
            assertTrue(e.getMessage().contains("c1.weight"), e.getMessage());
            return null;
        });
    }

    @Test
    void batchNormStatisticsEqualSingleRankStatistics() {
        Random rnd = new Random(3);
        Shape in = Shape.nchw(2, 3, 13, 11);
        Tensor x = Tensor.zeros(in);
        for (int i = 0; i < x.data().length; i++) {
            x.data()[i] = (float) (rnd.nextGaussian() * 2 + (i % 3));
        }
        BatchNorm.Stats want = BatchNorm.stats(BatchNorm.partialSums(Threads.ONE, x), 1e-5);
        NetworkDef def = new NetworkDef(3);
        def.batchNorm("bn", NetworkDef.INPUT);
        int checked = 0;
        for (int[] grid : new int[][] {{1, 1, 1}, {1, 2, 2}, {2, 2, 1}, {1, 1, 4}, {2, 3, 1}}) {
            int ranks = grid[0] * grid[1] * grid[2];
            List<BatchNorm.Stats> got = LocalRanks.run(ranks, Duration.ofSeconds(30), ex -> {
                Network net = new Network(def, in, grid, new RankContext(ex, null, Threads.ONE), 1);
                net.forward(net.inputPlacement().block(x, ex.rank()), true);
                return ((BatchNormLayer) net.layer("bn")).lastStats();
            });
            for (BatchNorm.Stats s : got) {
                assertEquals(want.count(), s.count());
                assertArrayEquals(want.mean(), s.mean(), STAT_TOL);
                assertArrayEquals(want.var(), s.var(), STAT_TOL);
                checked++;
            }
        }
        assertEquals(1 + 4 + 4 + 4 + 6, checked);
    }

    @Test
    void aFailingRankFailsEveryRank() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LocalRanks.run(3, Duration.ofSeconds(20), ex -> {
                    if (ex.rank() == 1) {
                        throw new IllegalStateException("rank one broke");
                    }
                    ex.allreduce(new double[1]);
                    return 0;
                }));
        assertEquals("rank one broke", e.getMessage());
    }
}
