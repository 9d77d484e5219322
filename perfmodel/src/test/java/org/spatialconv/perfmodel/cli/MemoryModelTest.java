package org.spatialconv.perfmodel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Sgd;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.decomposition.net.LocalRanks;
import org.spatialconv.decomposition.net.Network;
import org.spatialconv.decomposition.net.Placement;
import org.spatialconv.decomposition.net.RankContext;
import org.spatialconv.perfmodel.cost.CostModel;
import org.spatialconv.perfmodel.cost.Grid;
import org.spatialconv.perfmodel.search.LayerPlan;
import org.spatialconv.perfmodel.search.Plan;
import org.spatialconv.perfmodel.train.SpecConverter;

/**
 * The memory model against what the CPU engine keeps per rank. After one training step (so the optimizer's
 * momentum exists) every in-JVM rank runs forward and the loss; at that point each rank holds everything it keeps
 * for backward (activations, halos, batch-norm statistics), its weights, gradients and optimizer state. The live
 * heap then (after full collections), less the live heap before the networks were built, divided by the ranks,
 * is compared with the model's steady-state memory per rank: the sum of the layers' kept bytes plus
 * weights/gradients/optimizer state. The model's transient scratch (workspace of one layer at a time) is not part
 * of this comparison, since a garbage-collected heap cannot be sampled at one layer's peak deterministically.
 */
class MemoryModelTest {
    /** Relative tolerance of issue 6: the model within 20 % of the measured bytes per rank. */
    private static final double TOLERANCE = 0.20;

    @ParameterizedTest
    @CsvSource({"unet, 1,1,1", "unet, 1,2,2", "meshnet, 1,1,1", "meshnet, 1,2,2"})
    void keptBytesPerRankMatchTheModel(String model, int gn, int gh, int gw) throws Exception {
        PlanCommand.Setup s = PlanCommand.Setup.of(NetworkOptions.of(model, "128x128", 1), "cpu-local", null, "sgd", "global");
        Grid g = Grid.parse(gn + "," + gh + "," + gw);
        int ranks = g.size();
        Plan plan = Plan.uniform(new CostModel(s.net(), s.input(), s.machine(), ranks, s.options()), g);
        long kept = 0;
        for (LayerPlan l : plan.layers()) {
            kept += l.cost().keptBytes();
        }
        CostModel m = new CostModel(s.net(), s.input(), s.machine(), ranks, s.options());
        long predicted = kept + m.paramStateBytes();

        double[] probe = forkProbe(model, gn, gh, gw);
        double measured = probe[0];
        double err = (predicted - measured) / measured;
        System.out.printf("%s grid %s: predicted %.2f MiB/rank (kept %.2f + params/grads/momentum %.2f; "
                + "with scratch %.2f), measured %.2f MiB/rank (of which between steps %.2f), error %+.1f%%%n",
                model, g, predicted / 1048576.0, kept / 1048576.0, m.paramStateBytes() / 1048576.0,
                plan.memoryBytesPerRank() / 1048576.0, measured / 1048576.0, probe[1] / 1048576.0, err * 100);
        assertTrue(Math.abs(err) <= TOLERANCE, model + " grid " + g + ": predicted " + predicted
                + " B/rank, measured " + (long) measured + " B/rank (" + String.format("%+.1f%%", err * 100) + ")");
    }

    /**
     * Runs {@link #main} in a fresh JVM with the serial collector: G1 (the default) rounds every array of half a
     * region or more up to whole regions, so its "used" heap overstates the bytes of the tensors by up to 2x for
     * 2-4 MiB activations and weights, which says something about G1, not about the model.
     */
    private static double[] forkProbe(String model, int gn, int gh, int gw) throws Exception {
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(javaCmd, "-XX:+UseSerialGC", "-Xmx2g", "-cp",
                System.getProperty("java.class.path"), MemoryModelTest.class.getName(), model,
                String.valueOf(gn), String.valueOf(gh), String.valueOf(gw)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        String[] last = out.strip().lines().reduce((a, b) -> b).orElse("").split(" ");
        return new double[] {Double.parseDouble(last[0]), Double.parseDouble(last[1])};
    }

    /**
     * The probe: prints the live bytes per rank after forward + loss, and those between steps (weights,
     * gradients, momentum), as the last output line.
     */
    public static void main(String[] a) {
        String model = a[0];
        int gn = Integer.parseInt(a[1]);
        int gh = Integer.parseInt(a[2]);
        int gw = Integer.parseInt(a[3]);
        PlanCommand.Setup s = PlanCommand.Setup.of(NetworkOptions.of(model, "128x128", 1), "cpu-local", null, "sgd", "global");
        int ranks = gn * gh * gw;
        Map<String, int[]> grids = new HashMap<>();
        SpecConverter.Trainable t = SpecConverter.convert(s.net(), grids);
        int[] grid = {gn, gh, gw};
        Shape in = Shape.nchw(1, s.net().inputChannels(), 128, 128);
        long[] live = new long[3];
        List<Integer> done = LocalRanks.run(ranks, Duration.ofMinutes(5), ex -> {
            try (Backend backend = Backends.create("cpu", BackendOptions.threads(1))) {
                RankContext ctx = new RankContext(ex, backend, new Threads(1));
                Tensor x = Tensor.zeros(Placement.split(grid, in).ownShape(ex.rank()));
                fillRandom(x, ex.rank());
                barrier(ex);
                if (ex.rank() == 0) {
                    live[0] = liveHeap();
                }
                barrier(ex);
                Network net = new Network(t.def(), in, grid, ctx, 7);
                Shape outShape = net.outputPlacement().ownShape(ex.rank());
                // class labels (one channel) for softmax cross-entropy, a tensor like the output for MSE
                Tensor target = Tensor.zeros(t.loss() == org.spatialconv.decomposition.net.Loss.MSE ? outShape
                        : Shape.nchw(outShape.n(), 1, outShape.h(), outShape.w()));
                Sgd opt = new Sgd(1e-3, 0.9, 0);
                net.forward(x, true);
                net.loss(t.loss(), target);
                net.backward();
                net.step(opt);
                barrier(ex);
                if (ex.rank() == 0) {
                    live[2] = liveHeap();
                }
                barrier(ex);
                net.forward(x, true);
                net.loss(t.loss(), target);
                barrier(ex);
                if (ex.rank() == 0) {
                    live[1] = liveHeap();
                }
                barrier(ex);
                net.backward();
                return 1;
            }
        });
        if (done.size() != ranks) {
            throw new IllegalStateException("ranks missing");
        }
        System.out.println((live[1] - live[0]) / (double) ranks + " " + (live[2] - live[0]) / (double) ranks);
    }
    private static void barrier(org.spatialconv.decomposition.net.Exchange ex) {
        ex.allreduce(new double[1]);
    }

    private static void fillRandom(Tensor x, int seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] d = x.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextGaussian();
        }
    }

    /** Heap in use after full collections (repeated so that finalizable and soft garbage is gone too). */
    private static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
