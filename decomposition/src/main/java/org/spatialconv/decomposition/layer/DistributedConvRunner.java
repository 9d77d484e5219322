package org.spatialconv.decomposition.layer;

import java.time.Duration;
import java.util.function.IntFunction;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.RankBody;
import org.spatialconv.decomposition.comm.RankLauncher;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.exchange.Boxes;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.grid.Region;

/**
 * A distributed convolution driven with global tensors, for the CLI and tests: each call scatters the global
 * inputs onto the ranks (every rank copies its own owned block, in parallel), runs the distributed pass on
 * in-JVM ranks, and gathers the owned output blocks into the global output. One backend per rank lives as
 * long as the runner; rank-local buffers are reused between calls.
 */
public final class DistributedConvRunner implements AutoCloseable {
    private final ConvPlan plan;
    private final Backend[] backends;
    private final OverlapMode overlap;
    private final Duration timeout;
    private final RankLauncher launcher;
    private final Block[] xBlocks;
    private final Block[] dxBlocks;
    private final Tensor[] yOwn;
    private final Tensor[] dyOwn;
    private final Tensor[] dwRank;
    private final Tensor[] dbRank;

    /**
     * Plans the layer and creates one backend per rank with {@code backendForRank}.
     *
     * @throws IllegalArgumentException if the grid cannot split these shapes (one clear message)
     */
    public DistributedConvRunner(ProcessGrid grid, ConvGeometry g, Shape x, Shape w,
            IntFunction<Backend> backendForRank, OverlapMode overlap, Duration timeout) {
        this.plan = new ConvPlan(grid, g, x, w);
        this.overlap = overlap;
        this.timeout = timeout;
        this.launcher = InJvmWorld.INSTANCE;
        int p = grid.size();
        this.backends = new Backend[p];
        for (int r = 0; r < p; r++) {
            backends[r] = backendForRank.apply(r);
        }
        xBlocks = new Block[p];
        dxBlocks = new Block[p];
        yOwn = new Tensor[p];
        dyOwn = new Tensor[p];
        dwRank = new Tensor[p];
        dbRank = new Tensor[p];
    }

    /** The plan the ranks execute. */
    public ConvPlan plan() {
        return plan;
    }

    /** {@code y = conv(x, w) + bias} on global tensors; {@code bias} may be null. */
    public void forward(Tensor x, Tensor w, Tensor bias, Tensor y) {
        requireShape(x, plan.inputShape(), "input");
        requireShape(y, plan.outputShape(), "output");
        run(comm -> {
            int r = comm.rank();
            DistributedConv conv = conv(comm);
            Block xb = scatterInput(r, x, conv);
            Tensor yo = yOwn[r] == null ? (yOwn[r] = conv.allocateOutput()) : yOwn[r];
            conv.forward(xb, w, bias, yo);
            gather(yo, plan.ownOutput(r), y);
            return null;
        });
    }

    /** {@code dx} (global) from {@code dy} (global) and the weights. */
    public void backwardData(Tensor dy, Tensor w, Tensor dx) {
        requireShape(dy, plan.outputShape(), "output gradient");
        requireShape(dx, plan.inputShape(), "input gradient");
        run(comm -> {
            int r = comm.rank();
            DistributedConv conv = conv(comm);
            Tensor dyo = scatterOutput(r, dy, conv);
            Block dxb = dxBlocks[r] == null ? (dxBlocks[r] = conv.allocateInput()) : dxBlocks[r];
            conv.backwardData(dyo, w, dxb);
            Region own = plan.ownInput(r);
            Boxes.copy(dxb, new Block(Region.of(dx.shape().dims()), dx), own, ExchangeMode.COPY);
            return null;
        });
    }

    /** {@code dw} (overwritten) and, if non-null, {@code db} from global {@code x} and {@code dy}. */
    public void backwardFilter(Tensor x, Tensor dy, Tensor dw, Tensor db) {
        requireShape(x, plan.inputShape(), "input");
        requireShape(dy, plan.outputShape(), "output gradient");
        requireShape(dw, plan.weightShape(), "weight gradient");
        run(comm -> {
            int r = comm.rank();
            DistributedConv conv = conv(comm);
            Block xb = scatterInput(r, x, conv);
            // backward-filter reads the halo; the forward pass leaves it, here the input is fresh
            plan.haloExchange().run(comm, xb, xb, ExchangeMode.COPY);
            Tensor dyo = scatterOutput(r, dy, conv);
            Tensor dwr = dwRank[r] == null ? (dwRank[r] = Tensor.zeros(dw.shape())) : dwRank[r];
            Tensor dbr = null;
            if (db != null) {
                dbr = dbRank[r] == null ? (dbRank[r] = Tensor.zeros(db.shape())) : dbRank[r];
            }
            conv.backwardFilter(xb, dyo, dwr, dbr);
            if (r == 0) {
                System.arraycopy(dwr.data(), 0, dw.data(), 0, dw.data().length);
                if (db != null) {
                    System.arraycopy(dbr.data(), 0, db.data(), 0, db.data().length);
                }
            }
            return null;
        });
    }

    /** {@code db} (overwritten): sum of global {@code dy} over samples and space, per filter. */
    public void biasBackward(Tensor dy, Tensor db) {
        requireShape(dy, plan.outputShape(), "output gradient");
        run(comm -> {
            int r = comm.rank();
            Tensor dyo = scatterOutput(r, dy, conv(comm));
            Tensor dbr = dbRank[r] == null ? (dbRank[r] = Tensor.zeros(db.shape())) : dbRank[r];
            backends[r].biasBackward(dyo, dbr);
            comm.allreduceSum(dbr.data(), 0, dbr.data().length);
            if (r == 0) {
                System.arraycopy(dbr.data(), 0, db.data(), 0, db.data().length);
            }
            return null;
        });
    }

    private DistributedConv conv(Communicator comm) {
        return new DistributedConv(comm, backends[comm.rank()], plan, overlap);
    }

    private Block scatterInput(int r, Tensor x, DistributedConv conv) {
        Block xb = xBlocks[r] == null ? (xBlocks[r] = conv.allocateInput()) : xBlocks[r];
        Boxes.copy(new Block(Region.of(x.shape().dims()), x), xb, plan.ownInput(r), ExchangeMode.COPY);
        return xb;
    }

    private Tensor scatterOutput(int r, Tensor dy, DistributedConv conv) {
        Tensor dyo = dyOwn[r] == null ? (dyOwn[r] = conv.allocateOutput()) : dyOwn[r];
        Region own = plan.ownOutput(r);
        Boxes.copy(new Block(Region.of(dy.shape().dims()), dy), new Block(own, dyo), own, ExchangeMode.COPY);
        return dyo;
    }

    private static void gather(Tensor local, Region own, Tensor global) {
        Boxes.copy(new Block(own, local), new Block(Region.of(global.shape().dims()), global), own,
                ExchangeMode.COPY);
    }

    private void run(RankBody<Void> body) {
        launcher.run(plan.grid().size(), timeout, body);
    }

    private static void requireShape(Tensor t, Shape want, String what) {
        if (!t.shape().equals(want)) {
            throw new IllegalArgumentException(what + " has shape " + t.shape() + ", expected " + want);
        }
    }

    /** Closes every rank's backend. */
    @Override
    public void close() {
        for (Backend b : backends) {
            if (b != null) {
                b.close();
            }
        }
    }
}
