package org.spatialconv.decomposition.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.conv.layers.ReferenceBackend;
import org.spatialconv.conv.layers.Sgd;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.conv.reference.ReferenceConv;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;

/**
 * The same training run over the {@link Communicator}-based {@link CommExchange} (in-JVM communicator) and over
 * {@link SharedMemoryExchange} gives the same losses and parameters, so a network runs unchanged on any transport
 * that implements the communicator SPI (MPJ Express included).
 */
class CommExchangeTest {
    private static final double TOL = 1e-5;
    private static final int STEPS = 3;

    private static Object[] train(Exchange ex, NetworkDef def, Shape in, int[] grid, Tensor x) {
        Network net = new Network(def, in, grid, new RankContext(ex, new ReferenceBackend(), Threads.ONE), 5);
        Tensor xo = Box.crop(x, Box.whole(in), net.inputPlacement().own(ex.rank()));
        Shape os = net.outputPlacement().global();
        Tensor target = Tensor.zeros(os);
        target.fill(0.5f);
        Tensor to = Box.crop(target, Box.whole(os), net.outputPlacement().own(ex.rank()));
        Sgd opt = new Sgd(0.01, 0.9, 0);
        double[] losses = new double[STEPS];
        for (int s = 0; s < STEPS; s++) {
            net.forward(xo, true);
            losses[s] = net.loss(Loss.MSE, to);
            net.backward();
            net.step(opt);
        }
        List<Tensor> ps = new ArrayList<>();
        for (Parameter p : net.parameters()) {
            ps.add(p.value());
        }
        return new Object[] {losses, ps};
    }

    @Test
    void communicatorTransportMatchesSharedMemory() {
        Shape in = Shape.nchw(2, 2, 8, 8);
        Random rnd = new Random(1);
        Tensor x = Tensor.zeros(in);
        for (int i = 0; i < x.data().length; i++) {
            x.data()[i] = (float) rnd.nextGaussian();
        }
        int checked = 0;
        for (boolean head : new boolean[] {false, true}) {
            NetworkDef def = NetworkGradientTest.net(head);
            // Batch 2: on grid 1,1,2 the fully connected head runs sample-parallel, on the others replicated.
            for (int[] grid : new int[][] {{1, 2, 2}, {2, 1, 2}, {1, 3, 1}, {1, 1, 2}}) {
                int ranks = grid[0] * grid[1] * grid[2];
                Function<Exchange, Object[]> body = ex -> train(ex, def, in, grid, x);
                Object[] want = LocalRanks.run(ranks, Duration.ofSeconds(60), body).get(0);
                Object[] got = InJvmWorld.launch(ranks, Duration.ofSeconds(60),
                        comm -> body.apply(new CommExchange(comm))).get(0);
                double[] wl = (double[]) want[0];
                double[] gl = (double[]) got[0];
                for (int s = 0; s < STEPS; s++) {
                    assertEquals(wl[s], gl[s], TOL * Math.abs(wl[s]), "loss step " + s);
                }
                @SuppressWarnings("unchecked")
                List<Tensor> wp = (List<Tensor>) want[1];
                @SuppressWarnings("unchecked")
                List<Tensor> gp = (List<Tensor>) got[1];
                for (int i = 0; i < wp.size(); i++) {
                    double err = ReferenceConv.relativeL2(gp.get(i).data(), wp.get(i).data());
                    assertTrue(err < TOL, "parameter " + i + " on grid " + Placement.gridString(grid) + ": " + err);
                    checked++;
                }
            }
        }
        assertEquals(4 * (7 + 9), checked);
    }
}
