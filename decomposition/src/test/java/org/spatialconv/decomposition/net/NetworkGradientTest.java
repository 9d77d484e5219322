package org.spatialconv.decomposition.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.conv.layers.Pooling;
import org.spatialconv.conv.layers.ReferenceBackend;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.conv.layers.TransposedConv;
import org.spatialconv.conv.layers.Upsample;

/**
 * Finite differences of the whole network's loss (a DAG with a node read by two consumers, skip concat, residual
 * add, batch norm, pooling, upsampling, transposed conv, global pooling and a fully connected head) against the
 * parameter gradients of {@link Network#backward()}, on one rank and on grid 1,2,2.
 */
class NetworkGradientTest {
    /** Small, because leaky ReLU and max pooling have kinks a larger step would cross (seen at 1e-2). */
    private static final double EPS = 1e-3;
    private static final double TOL = 1e-2;
    private static final double FLOOR = 1e-2;
    private static final int PROBES = 3;

    static NetworkDef net(boolean head) {
        NetworkDef def = new NetworkDef(2);
        String c1 = def.conv("c1", NetworkDef.INPUT, 4, ConvGeometry.square(3, 1, 1, 1, 1), false);
        String b1 = def.batchNorm("b1", c1);
        String r1 = def.relu("r1", b1, 0.1f);
        String p1 = def.pool("p1", r1, Pooling.Mode.AVG, ConvGeometry.square(2, 2, 0, 1, 1));
        String t1 = def.transposedConv("t1", p1, 4, new TransposedConv(ConvGeometry.square(2, 2, 0, 1, 1), 0, 0),
                true);
        String p2 = def.pool("p2", r1, Pooling.Mode.MAX, ConvGeometry.square(2, 2, 0, 1, 1));
        String u2 = def.upsample("u2", p2, Upsample.Mode.BILINEAR, 2);
        String add = def.residual("add", t1, u2);
        String cat = def.concat("cat", add, r1);
        String out = def.conv("out", cat, 3, ConvGeometry.square(3, 1, 1, 1, 1), true);
        if (head) {
            String g = def.globalAvgPool("gap", out);
            def.fullyConnected("fc", g, 3);
        }
        return def;
    }

    @Test
    void parameterGradientsMatchFiniteDifferences() {
        Random rnd = new Random(5);
        Shape in = Shape.nchw(2, 2, 8, 8);
        Tensor x = Tensor.zeros(in);
        for (int i = 0; i < x.data().length; i++) {
            x.data()[i] = (float) rnd.nextGaussian();
        }
        int checked = 0;
        for (boolean head : new boolean[] {false, true}) {
            NetworkDef def = net(head);
            for (int[] grid : new int[][] {{1, 1, 1}, {1, 2, 2}}) {
                int ranks = grid[0] * grid[1] * grid[2];
                List<Integer> counts = LocalRanks.run(ranks, Duration.ofSeconds(60), ex -> {
                    Network n = new Network(def, in, grid, new RankContext(ex, new ReferenceBackend(), Threads.ONE),
                            3);
                    Shape os = n.outputPlacement().global();
                    Random t = new Random(9);
                    Tensor target = Tensor.zeros(os);
                    for (int i = 0; i < target.data().length; i++) {
                        target.data()[i] = (float) t.nextGaussian();
                    }
                    Tensor xo = n.inputPlacement().block(x, ex.rank());
                    Tensor to = n.outputPlacement().block(target, ex.rank());
                    n.forward(xo, true);
                    n.loss(Loss.MSE, to);
                    n.backward();
                    n.allreduceGradients();
                    Random pick = new Random(11);
                    int c = 0;
                    for (Parameter p : n.parameters()) {
                        for (int k = 0; k < PROBES; k++) {
                            int i = pick.nextInt(p.value().data().length);
                            float orig = p.value().data()[i];
                            p.value().data()[i] = (float) (orig + EPS);
                            n.forward(xo, true);
                            double up = n.loss(Loss.MSE, to);
                            p.value().data()[i] = (float) (orig - EPS);
                            n.forward(xo, true);
                            double down = n.loss(Loss.MSE, to);
                            p.value().data()[i] = orig;
                            double numeric = (up - down) / (2 * EPS);
                            double got = p.grad().data()[i];
                            double err = Math.abs(got - numeric) / Math.max(Math.abs(numeric), FLOOR);
                            if (err > TOL) {
                                fail(p.name() + "[" + i + "] on grid " + Placement.gridString(grid) + ": analytic "
                                        + got + " numeric " + numeric);
                            }
                            c++;
                        }
                    }
                    return c;
                });
                checked += counts.get(0);
            }
        }
        assertEquals(2 * (7 + 9) * PROBES, checked);
    }
}
