package org.spatialconv.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.layer.ConvPlan;
import org.spatialconv.decomposition.layer.DistributedConv;
import org.spatialconv.decomposition.layer.OverlapMode;

/** Builds rank groups that repeat one pass of a distributed convolution on rank-local random data. */
final class LayerRanks {
    /** Which pass a group repeats. */
    enum Pass { FORWARD, BACKWARD_DATA, BACKWARD_FILTER }

    private LayerRanks() {
    }

    /** Each rank allocates only its own blocks (no global tensor exists) and its own backend. */
    static RankGroup group(ProcessGrid g, ConvGeometry geo, Shape x, Shape w, OverlapMode overlap, int threads,
            Pass pass) {
        return selectable(g, geo, x, w, overlap, threads, new AtomicReference<>(pass));
    }

    /** Like {@link #group}, but every round runs the pass {@code pass} holds at that moment. */
    static RankGroup selectable(ProcessGrid g, ConvGeometry geo, Shape x, Shape w, OverlapMode overlap,
            int threads, AtomicReference<Pass> pass) {
        ConvPlan plan = new ConvPlan(g, geo, x, w);
        return new RankGroup(g.size(), comm -> {
            Backend backend = Backends.create("cpu", BackendOptions.threads(threads));
            DistributedConv conv = new DistributedConv(comm, backend, plan, overlap);
            SplittableRandom rnd = new SplittableRandom(17 + comm.rank());
            Block xb = conv.allocateInput();
            fill(xb.data(), rnd);
            Tensor wt = Tensor.zeros(w);
            fill(wt, new SplittableRandom(5));
            Tensor y = conv.allocateOutput();
            Tensor dy = conv.allocateOutput();
            fill(dy, rnd);
            Block dx = conv.allocateInput();
            Tensor dw = Tensor.zeros(w);
            Tensor db = Tensor.zeros(Shape.of(w.dim(0)));
            conv.forward(xb, wt, null, y);
            return () -> {
                switch (pass.get()) {
                    case FORWARD -> conv.forward(xb, wt, null, y);
                    case BACKWARD_DATA -> conv.backwardData(dy, wt, dx);
                    case BACKWARD_FILTER -> conv.backwardFilter(xb, dy, dw, db);
                    default -> throw new IllegalStateException();
                }
            };
        });
    }

    static void fill(Tensor t, SplittableRandom rnd) {
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
    }
}
