package org.spatialconv.perfmodel.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.spatialconv.perfmodel.cost.CostModel;
import org.spatialconv.perfmodel.cost.Grid;
import org.spatialconv.perfmodel.cost.TestMachines;
import org.spatialconv.perfmodel.net.ActivationSpec;
import org.spatialconv.perfmodel.net.AddSpec;
import org.spatialconv.perfmodel.net.BatchNormSpec;
import org.spatialconv.perfmodel.net.ConcatSpec;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.DeconvSpec;
import org.spatialconv.perfmodel.net.GlobalAvgPoolSpec;
import org.spatialconv.perfmodel.net.LinearSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.NetworkBuilder;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.PoolSpec;
import org.spatialconv.perfmodel.net.TensorShape;
import org.spatialconv.perfmodel.zoo.ModelZoo;

class PlannerTest {
    /** The search and the enumeration sum the same doubles in different orders. */
    private static final double REL = 1e-9;

    /** conv (stride 2) - bn - relu - pool - gap - fc - loss: spatial, then forced sample-parallel. */
    static NetworkSpec chain() {
        NetworkBuilder b = new NetworkBuilder("chain", 3);
        b.add("c1", ConvSpec.of(8, 5, 2, 2, false));
        b.add("bn", BatchNormSpec.DEFAULT);
        b.add("relu", ActivationSpec.RELU);
        b.add("pool", PoolSpec.of(PoolSpec.Kind.MAX, 3, 2, 1));
        b.add("gap", new GlobalAvgPoolSpec());
        b.add("fc", new LinearSpec(10, true));
        b.add("loss", new LossSpec(LossSpec.Kind.SOFTMAX_CE));
        return b.build();
    }

    /** A residual block with a projection shortcut. */
    static NetworkSpec residual() {
        NetworkBuilder b = new NetworkBuilder("residual", 4);
        String x = b.add("stem", ConvSpec.of(8, 3, 1, 1, false));
        b.add("a", ConvSpec.of(8, 3, 1, 1, false), x);
        String main = b.add("b", ConvSpec.of(16, 3, 2, 1, false));
        String sc = b.add("proj", ConvSpec.of(16, 1, 2, 0, false), x);
        b.add("add", new AddSpec(), main, sc);
        b.add("loss", new LossSpec(LossSpec.Kind.MSE));
        return b.build();
    }

    /** A two-level U-Net: nested skip connections. */
    static NetworkSpec unet() {
        NetworkBuilder b = new NetworkBuilder("mini-unet", 1);
        String e0 = b.add("e0", ConvSpec.of(4, 3, 1, 1, false));
        b.add("p0", PoolSpec.of(PoolSpec.Kind.MAX, 2, 2, 0));
        String e1 = b.add("e1", ConvSpec.of(8, 3, 1, 1, false));
        b.add("p1", PoolSpec.of(PoolSpec.Kind.MAX, 2, 2, 0));
        b.add("mid", ConvSpec.of(16, 3, 1, 1, false));
        String u1 = b.add("u1", DeconvSpec.of(8, 2, 2, 0, true));
        b.add("c1", new ConcatSpec(), u1, e1);
        String u0 = b.add("u0", DeconvSpec.of(4, 2, 2, 0, true));
        b.add("c0", new ConcatSpec(), u0, e0);
        b.add("head", ConvSpec.of(1, 1, 1, 0, true));
        b.add("loss", new LossSpec(LossSpec.Kind.MSE));
        return b.build();
    }

    /** Minimum of the additive objective over every assignment of valid grids (input grid included). */
    static double bruteForce(CostModel m, long[] count) {
        List<Grid> grids = m.grids();
        int layers = m.network().layers().size();
        List<List<Grid>> options = new java.util.ArrayList<>();
        options.add(grids);
        for (int i = 0; i < layers; i++) {
            List<Grid> valid = new java.util.ArrayList<>();
            for (Grid g : grids) {
                if (m.valid(i, g)) {
                    valid.add(g);
                }
            }
            options.add(valid);
        }
        int[] idx = new int[layers + 1];
        double best = Double.POSITIVE_INFINITY;
        Grid[] chosen = new Grid[layers];
        while (true) {
            for (int i = 0; i < layers; i++) {
                chosen[i] = options.get(i + 1).get(idx[i + 1]);
            }
            best = Math.min(best, Plan.evaluate(m, grids.get(idx[0]), chosen).objective());
            count[0]++;
            int k = 0;
            while (k <= layers && ++idx[k] == options.get(k).size()) {
                idx[k++] = 0;
            }
            if (k > layers) {
                return best;
            }
        }
    }

    @Test
    void searchFindsTheBruteForceOptimum() {
        int compared = 0;
        long[] assignments = {0};
        Object[][] cases = {
            {chain(), new TensorShape(2, 3, 16, 16), 4, 2},
            {chain(), new TensorShape(1, 3, 32, 24), 4, 4},
            {residual(), new TensorShape(2, 4, 12, 12), 4, 2},
            {residual(), new TensorShape(1, 4, 16, 16), 4, 4},
            {unet(), new TensorShape(1, 1, 16, 16), 2, 1},
            {unet(), new TensorShape(2, 1, 8, 16), 2, 2},
        };
        for (Object[] c : cases) {
            NetworkSpec net = (NetworkSpec) c[0];
            CostModel m = new CostModel(net, (TensorShape) c[1], TestMachines.simple((int) c[3], 1L << 34),
                    (int) c[2]);
            double expected = bruteForce(m, assignments);
            Plan p = Planner.solve(m, 0);
            assertEquals(expected, p.objective(), expected * REL, net.name() + " at " + c[1] + " on " + c[2]);
            compared++;
        }
        assertEquals(cases.length, compared);
        assertTrue(assignments[0] > 100_000, "enumerated " + assignments[0] + " assignments");
    }

    @Test
    void memoryLimitGivesAFittingPlanOrSaysWhichLayer() {
        NetworkSpec net = residual();
        TensorShape in = new TensorShape(1, 4, 64, 64);
        CostModel roomy = new CostModel(net, in, TestMachines.simple(4, 1L << 34), 4);
        Plan fastest = Planner.solve(roomy, 0);
        long leanest = Long.MAX_VALUE;
        for (Grid g : roomy.grids()) {
            leanest = Math.min(leanest, Plan.uniform(roomy, g).memoryBytesPerRank());
        }
        // the budget of the leanest uniform plan: something fits
        CostModel tight = new CostModel(net, in, TestMachines.simple(4, leanest), 4);
        Planner.Result r = Planner.plan(tight);
        assertTrue(r.fits(), "a leaner plan should fit");
        assertTrue(r.plan().fits());
        assertTrue(r.plan().iterationSeconds() >= fastest.iterationSeconds() * (1 - REL));
        CostModel tiny = new CostModel(net, in, TestMachines.simple(4, 64 * 1024), 4);
        Planner.Result none = Planner.plan(tiny);
        assertFalse(none.fits());
        assertTrue(none.reason().startsWith("does not fit: needs"), none.reason());
        assertTrue(none.reason().contains("largest layer '"), none.reason());
    }

    @Test
    void resnet50At1024RanksIsPlannedAndNoWorseThanSampleParallel() {
        CostModel m = new CostModel(ModelZoo.byName("resnet50"), new TensorShape(1024, 3, 224, 224),
                org.spatialconv.perfmodel.machine.Profiles.builtIn("lassen"), 1024);
        Planner.Result r = Planner.plan(m);
        assertTrue(r.fits());
        assertEquals(m.network().layers().size(), r.plan().layers().size());
        assertTrue(r.plan().iterationSeconds() <= Planner.samplesOnly(m).iterationSeconds() * (1 + REL));
        assertTrue(Planner.solve(m, 0).objective() <= Planner.samplesOnly(m).objective() * (1 + REL));
    }

    @Test
    void nonSeriesParallelNetworkIsAClearError() {
        // a -> b, a -> c, b -> c, b -> d, c -> d: the "Wheatstone bridge", not series-parallel
        NetworkBuilder b = new NetworkBuilder("bridge", 2);
        b.add("a", ConvSpec.of(2, 1, 1, 0, false));
        b.add("b", ConvSpec.of(2, 1, 1, 0, false), "a");
        b.add("c", new AddSpec(), "a", "b");
        b.add("d", new AddSpec(), "b", "c");
        CostModel m = new CostModel(b.build(), new TensorShape(1, 2, 4, 4), TestMachines.simple(2, 1L << 30), 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Planner.solve(m, 0));
        assertTrue(e.getMessage().contains("not series-parallel"), e.getMessage());
    }
}
