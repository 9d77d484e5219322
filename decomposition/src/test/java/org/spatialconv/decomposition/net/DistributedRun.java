package org.spatialconv.decomposition.net;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Optimizer;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.conv.layers.ReferenceBackend;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.exchange.Boxes;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.grid.Region;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * Test harness: runs a {@link NetworkDef} on in-JVM ranks over a grid with global input and target tensors, and
 * gathers the global output, input gradient, parameters and gradients, and per-step losses.
 */
final class DistributedRun {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** What one run produced, gathered to global tensors. */
    record Result(Tensor output, Tensor inputGrad, List<Tensor> params, List<Tensor> grads, List<Tensor> buffers,
            double[] losses) {
    }

    private DistributedRun() {
    }

    /**
     * One forward/loss/backward (steps = 0, gradients reported after allreduce) or {@code steps} training steps with
     * a fresh optimizer from {@code opt} (parameters reported after the last step).
     */
    static Result run(NetworkDef def, int[] grid, Tensor x, Tensor target, Loss loss, long seed, int steps,
            Supplier<Optimizer> opt) {
        return run(def, grid, OverlapMode.ON, ReferenceBackend::new, x, target, loss, seed, steps, opt);
    }

    /** {@link #run} with convolutions overlapping their halo exchange or not, on a backend per rank. */
    static Result run(NetworkDef def, int[] grid, OverlapMode overlap, Supplier<Backend> backend, Tensor x,
            Tensor target, Loss loss, long seed, int steps, Supplier<Optimizer> opt) {
        int ranks = grid[0] * grid[1] * grid[2];
        List<Object[]> per = LocalRanks.run(ranks, TIMEOUT, ex -> {
            try (Backend b = backend.get()) {
                return runRank(ex, b, def, grid, overlap, x, target, loss, seed, steps, opt);
            }
        });
        Shape outShape = (Shape) per.get(0)[2];
        Tensor out = Tensor.zeros(outShape);
        Tensor dx = Tensor.zeros(x.shape());
        for (Object[] r : per) {
            gather((Tensor) r[0], (Region) r[1], out);
            if (r[3] != null) {
                gather((Tensor) r[3], (Region) r[4], dx);
            }
        }
        @SuppressWarnings("unchecked")
        List<Tensor> ps = (List<Tensor>) per.get(0)[5];
        @SuppressWarnings("unchecked")
        List<Tensor> gs = (List<Tensor>) per.get(0)[6];
        @SuppressWarnings("unchecked")
        List<Tensor> bs = (List<Tensor>) per.get(0)[7];
        // Every rank must hold the same parameters: compare them with rank 0 exactly.
        for (Object[] r : per) {
            @SuppressWarnings("unchecked")
            List<Tensor> other = (List<Tensor>) r[5];
            for (int i = 0; i < ps.size(); i++) {
                if (!java.util.Arrays.equals(ps.get(i).data(), other.get(i).data())) {
                    throw new AssertionError("parameter " + i + " differs between ranks on grid "
                            + Placement.gridString(grid));
                }
            }
        }
        return new Result(out, dx, ps, gs, bs, (double[]) per.get(0)[8]);
    }

    private static Object[] runRank(Exchange ex, Backend backend, NetworkDef def, int[] grid, OverlapMode overlap,
            Tensor x, Tensor target, Loss loss, long seed, int steps, Supplier<Optimizer> opt) {
        RankContext ctx = new RankContext(ex, backend, Threads.ONE, overlap);
        Network net = new Network(def, x.shape(), grid, ctx, seed);
        Region inOwn = net.inputPlacement().own(ex.rank());
        Tensor xo = net.inputPlacement().block(x, ex.rank());
        Placement op = net.outputPlacement();
        Region outOwn = op.own(ex.rank());
        Tensor to = op.block(target, ex.rank());
        Optimizer o = steps > 0 ? opt.get() : null;
        double[] losses = new double[Math.max(1, steps)];
        Tensor y = null;
        for (int s = 0; s < Math.max(1, steps); s++) {
            y = net.forward(xo, true);
            losses[s] = net.loss(loss, to);
            net.backward();
            if (steps > 0) {
                net.step(o);
            } else {
                net.allreduceGradients();
            }
        }
        List<Tensor> ps = new ArrayList<>();
        List<Tensor> gs = new ArrayList<>();
        for (Parameter p : net.parameters()) {
            ps.add(p.value().copy());
            gs.add(p.grad().copy());
        }
        List<Tensor> bs = new ArrayList<>();
        for (Parameter p : net.buffers()) {
            bs.add(p.value().copy());
        }
        return new Object[] {y, outOwn, op.global(), net.inputGradient(), inOwn, ps, gs, bs, losses};
    }

    /** Copies a rank's block {@code local} (holding box {@code own}) into the global tensor. */
    private static void gather(Tensor local, Region own, Tensor global) {
        Boxes.copy(new Block(own, local), new Block(Region.of(global.shape().dims()), global), own, ExchangeMode.COPY);
    }
}
