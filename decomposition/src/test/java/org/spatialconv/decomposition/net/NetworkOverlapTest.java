package org.spatialconv.decomposition.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Pooling;
import org.spatialconv.conv.layers.Sgd;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.conv.layers.TransposedConv;
import org.spatialconv.conv.layers.Upsample;
import org.spatialconv.conv.reference.ReferenceConv;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * A network trained with its convolutions overlapping the halo exchange equals the same network trained without
 * overlap, and both equal one rank: losses of every step and every parameter after the steps, on the CPU backend
 * (whose windowed kernels the overlap runs), on 1-D and 2-D spatial grids with uneven blocks and a hybrid grid.
 */
class NetworkOverlapTest {
    private static final long SEED = 0x0E71A9L;
    /** Relative error allowed against one rank (float32 kernels on other block sizes, other summation order). */
    private static final double TOL = 1e-5;
    private static final int STEPS = 3;
    /** 14x10 input: 3 parts give rows 5,5,4 and columns 4,3,3; after pooling 7x5 gives 3,2,2 and 3,2. */
    private static final int[][] GRIDS = {{1, 2, 2}, {1, 1, 3}, {2, 3, 1}, {1, 3, 2}};

    private static final Supplier<Backend> CPU = () -> Backends.create("cpu", BackendOptions.threads(1));

    /**
     * Convolutions of every kind the engine distributes (padded, dilated, strided with asymmetric padding,
     * transposed, 1x1) between batch norm, pooling, upsampling, a residual add and a skip concat.
     */
    private static NetworkDef net() {
        NetworkDef def = new NetworkDef(2);
        // no bias before batch norm: its gradient is zero up to rounding, so its values would be noise
        String c1 = def.conv("c1", NetworkDef.INPUT, 3, ConvGeometry.square(3, 1, 1, 1, 1), false);
        String r1 = def.relu("r1", def.batchNorm("b1", c1), 0.1f);
        String p1 = def.pool("p1", r1, Pooling.Mode.MAX, ConvGeometry.square(2, 2, 0, 1, 1));
        String c2 = def.conv("c2", p1, 4, ConvGeometry.square(3, 1, 2, 2, 1), false);
        // 7x5 -> 3x3 -> 7x5, padding asymmetric, output padding on rows
        String c3 = def.conv("c3", c2, 4, geometry(new int[] {1, 2}, new int[] {0, 0}), true);
        String t1 = def.transposedConv("t1", c3, 4,
                new TransposedConv(geometry(new int[] {1, 1}, new int[] {0, 1}), 1, 0), true);
        String add = def.residual("add", t1, c2);
        String u1 = def.upsample("u1", add, Upsample.Mode.BILINEAR, 2);
        String cat = def.concat("cat", u1, r1);
        def.conv("out", cat, 2, ConvGeometry.square(1, 1, 0, 1, 1), true);
        return def;
    }

    /** Kernel 3, stride 2 with the given padding per side. */
    private static ConvGeometry geometry(int[] padLo, int[] padHi) {
        return new ConvGeometry(new int[] {3, 3}, new int[] {2, 2}, padLo, padHi, new int[] {1, 1}, 1);
    }

    private static Tensor random(Random rnd, Shape s) {
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.data().length; i++) {
            t.data()[i] = (float) rnd.nextGaussian();
        }
        return t;
    }

    private static DistributedRun.Result train(int[] grid, OverlapMode overlap, Tensor x, Tensor target) {
        return DistributedRun.run(net(), grid, overlap, CPU, x, target, Loss.MSE, 11, STEPS,
                () -> new Sgd(0.05, 0.9, 1e-4));
    }

    /** Asserts that {@code got} trained like {@code want}; returns the number of values compared. */
    private static int assertSame(DistributedRun.Result want, DistributedRun.Result got, String where) {
        for (int s = 0; s < STEPS; s++) {
            assertEquals(want.losses()[s], got.losses()[s], TOL * Math.abs(want.losses()[s]), where + " loss " + s);
        }
        for (int i = 0; i < want.params().size(); i++) {
            double e = ReferenceConv.relativeL2(got.params().get(i).data(), want.params().get(i).data());
            assertTrue(e < TOL, where + " parameter " + i + " after " + STEPS + " steps: " + e);
        }
        return STEPS + want.params().size();
    }

    @Test
    void overlapOnEqualsOverlapOffEqualsOneRank() {
        Random rnd = new Random(SEED);
        Shape in = Shape.nchw(2, 2, 14, 10);
        Tensor x = random(rnd, in);
        Tensor target = random(rnd, Shape.nchw(2, 2, 14, 10));
        DistributedRun.Result one = train(new int[] {1, 1, 1}, OverlapMode.OFF, x, target);
        assertTrue(one.losses()[STEPS - 1] < one.losses()[0], "training should lower the loss");
        int compared = 0;
        for (int[] grid : GRIDS) {
            String where = "grid " + Placement.gridString(grid) + " (seed " + SEED + ")";
            DistributedRun.Result off = train(grid, OverlapMode.OFF, x, target);
            DistributedRun.Result on = train(grid, OverlapMode.ON, x, target);
            compared += assertSame(one, off, where + " overlap off vs one rank");
            compared += assertSame(one, on, where + " overlap on vs one rank");
            compared += assertSame(off, on, where + " overlap on vs off");
        }
        // 10 parameters (4 convs, 2 with a bias; the transposed conv's weight and bias; batch norm's two), 3 losses
        assertEquals(GRIDS.length * 3 * (STEPS + 10), compared);
    }

    /** The overlap mode each conv layer of {@link #net()} runs with on {@code grid}. */
    private static List<OverlapMode> modes(int[] grid, OverlapMode requested) {
        int ranks = grid[0] * grid[1] * grid[2];
        return LocalRanks.run(ranks, DistributedRun.TIMEOUT, ex -> {
            Network n = new Network(net(), Shape.nchw(2, 2, 14, 10), grid,
                    new RankContext(ex, null, Threads.ONE, requested), 1);
            return ((ConvLayer) n.layer("c2")).overlap();
        });
    }

    @Test
    void overlapRunsWhereTheGridSplitsSpace() {
        assertEquals(List.of(OverlapMode.ON, OverlapMode.ON, OverlapMode.ON), modes(new int[] {1, 1, 3},
                OverlapMode.ON));
        assertEquals(List.of(OverlapMode.OFF, OverlapMode.OFF, OverlapMode.OFF), modes(new int[] {1, 1, 3},
                OverlapMode.OFF));
        // Samples only: no halo to hide, so the plain passes run.
        assertEquals(List.of(OverlapMode.OFF, OverlapMode.OFF), modes(new int[] {2, 1, 1}, OverlapMode.ON));
    }

    @Test
    void convolutionOfAReplicatedTensorRunsOnEveryRank() {
        // After global pooling the tensor is replicated; a 1x1 convolution of it runs whole on every rank.
        NetworkDef def = new NetworkDef(2);
        String c = def.conv("c", NetworkDef.INPUT, 3, ConvGeometry.square(3, 1, 1, 1, 1), false);
        String g = def.globalAvgPool("gap", c);
        def.conv("head", g, 2, ConvGeometry.square(1, 1, 0, 1, 1), true);
        Random rnd = new Random(SEED + 1);
        Tensor x = random(rnd, Shape.nchw(2, 2, 6, 6));
        Tensor target = random(rnd, Shape.nchw(2, 2, 1, 1));
        Supplier<Sgd> sgd = () -> new Sgd(0.05, 0.9, 0);
        DistributedRun.Result want = DistributedRun.run(def, new int[] {1, 1, 1}, OverlapMode.ON, CPU, x, target,
                Loss.MSE, 3, STEPS, sgd::get);
        DistributedRun.Result got = DistributedRun.run(def, new int[] {1, 2, 2}, OverlapMode.ON, CPU, x, target,
                Loss.MSE, 3, STEPS, sgd::get);
        assertEquals(STEPS + 3, assertSame(want, got, "replicated head on grid 1,2,2"));
    }
}
