package org.spatialconv.decomposition.layer;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.exchange.Boxes;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.exchange.RegionExchange;
import org.spatialconv.decomposition.grid.Region;

/**
 * One rank's part of a distributed 2-D convolution. The rank holds its input as a {@link Block} over
 * {@link ConvPlan#blockBox} (owned input plus halo margins, so kernels read halos in place) and its output
 * block as a plain tensor. The local problem is the global one restricted to the needed input, with the
 * leftover global padding as per-side padding, so the local output is exactly the owned output block.
 *
 * <p>Backward-data computes dx over the whole local block and pushes the halo part back to its owners with
 * accumulation; backward-filter uses the input halos left by the forward pass and allreduces dw and db.
 */
public final class DistributedConv {
    private final Communicator comm;
    private final Backend backend;
    private final ConvPlan plan;
    private final OverlapMode overlap;
    private final int rank;
    private final Region own;
    private final Region need;
    private final Region block;
    private final Region ownOut;
    private final ConvGeometry local;
    /** True when the needed input is the whole block, so kernels run on the block's tensor directly. */
    private final boolean inPlace;

    /**
     * Binds {@code plan} to this rank.
     *
     * @throws IllegalArgumentException if the communicator size differs from the grid
     */
    public DistributedConv(Communicator comm, Backend backend, ConvPlan plan, OverlapMode overlap) {
        plan.grid().requireSize(comm.size());
        this.comm = comm;
        this.backend = backend;
        this.plan = plan;
        this.overlap = overlap;
        this.rank = comm.rank();
        this.own = plan.ownInput(rank);
        this.need = plan.needInput(rank);
        this.block = plan.blockBox(rank);
        this.ownOut = plan.ownOutput(rank);
        this.local = need.isEmpty() ? null : plan.localGeometry(rank);
        this.inPlace = need.equals(block);
    }

    /** The plan this rank executes. */
    public ConvPlan plan() {
        return plan;
    }

    /** Whether the passes overlap halo traffic with computation. */
    public OverlapMode overlap() {
        return overlap;
    }

    /** A zero input (or input-gradient) block over this rank's block box; fill its owned box before use. */
    public Block allocateInput() {
        return Block.allocate(block);
    }

    /** A zero tensor shaped like this rank's owned output block. */
    public Tensor allocateOutput() {
        return Tensor.zeros(Shape.of(ownOut.extents()));
    }

    /**
     * An input block holding {@code owned} (this rank's owned input) in its owned box: {@code owned} itself when the
     * block has no halo margins, else a new block with the margins zero (the forward pass fills them).
     */
    public Block inputBlock(Tensor owned) {
        Block mine = new Block(own, owned);
        if (block.equals(own)) {
            return mine;
        }
        Block b = allocateInput();
        Boxes.copy(mine, b, own, ExchangeMode.COPY);
        return b;
    }

    /** The owned box of an input (or input-gradient) block: its tensor when it has no margins, else a copy. */
    public Tensor ownedInput(Block b) {
        requireBlock(b, "input");
        if (block.equals(own)) {
            return b.data();
        }
        Block out = Block.allocate(own);
        Boxes.copy(b, out, own, ExchangeMode.COPY);
        return out.data();
    }

    /**
     * y (owned output block) = conv(x) + bias. Exchanges x's halo into its margins first (left there for
     * {@link #backwardFilter}).
     */
    public void forward(Block x, Tensor w, Tensor bias, Tensor y) {
        requireBlock(x, "input");
        requireOutput(y, "output");
        RegionExchange.Pending p = plan.haloExchange().start(comm, x, x, ExchangeMode.COPY);
        if (need.isEmpty()) {
            // every owned output reads only padding: it is the bias
            p.finish();
            fillBias(y, bias);
            return;
        }
        Window all = Window.full(y.shape());
        if (overlap == OverlapMode.ON && inPlace) {
            Window inner = plan.interior(rank);
            if (!inner.isEmpty()) {
                backend.convForward(x.data(), w, bias, local, y, inner);
            }
            p.finish();
            for (Window s : Strips.around(all, inner)) {
                backend.convForward(x.data(), w, bias, local, y, s);
            }
        } else {
            p.finish();
            backend.convForward(localInput(x), w, bias, local, y, all);
        }
    }

    /**
     * dx (the owned box of {@code dx}) from dy (owned output block). The rest of {@code dx}'s block is
     * scratch. With overlap the halo gradients are computed and sent first, then the owned ones.
     */
    public void backwardData(Tensor dy, Tensor w, Block dx) {
        requireBlock(dx, "input gradient");
        requireOutput(dy, "output gradient");
        RegionExchange push = plan.gradientPush();
        if (need.isEmpty()) {
            Boxes.fill(dx, own, 0f);
            push.run(comm, dx, dx, ExchangeMode.ACCUMULATE);
            return;
        }
        if (!inPlace) {
            Block part = Block.allocate(need);
            backend.convBackwardData(dy, w, local, part.data());
            Boxes.fill(dx, own, 0f);
            push.run(comm, part, dx, ExchangeMode.ACCUMULATE);
            return;
        }
        if (overlap == OverlapMode.ON) {
            for (int p = 0; p < comm.size(); p++) {
                Region out = push.transfer(rank, p);
                if (p != rank && !out.isEmpty()) {
                    backend.convBackwardData(dy, w, local, dx.data(), plan.blockWindow(rank, out));
                }
            }
            RegionExchange.Pending pending = push.start(comm, dx, dx, ExchangeMode.ACCUMULATE);
            backend.convBackwardData(dy, w, local, dx.data(), plan.blockWindow(rank, own));
            pending.finish();
        } else {
            backend.convBackwardData(dy, w, local, dx.data(), Window.full(dx.data().shape()));
            push.run(comm, dx, dx, ExchangeMode.ACCUMULATE);
        }
    }

    /**
     * dw (and db if non-null) over the whole global batch, identical on every rank. {@code x} must carry
     * its halo, as {@link #forward} leaves it.
     */
    public void backwardFilter(Block x, Tensor dy, Tensor dw, Tensor db) {
        filterGradients(x, dy, dw, db, false);
        comm.allreduceSum(dw.data(), 0, dw.data().length);
        if (db != null) {
            comm.allreduceSum(db.data(), 0, db.data().length);
        }
    }

    /**
     * Adds this rank's contribution to dw (and db if non-null), without summing over ranks: for a caller that
     * sums many layers' gradients in one allreduce (a network). {@code x} must carry its halo, as
     * {@link #forward} leaves it.
     */
    public void addFilterGradients(Block x, Tensor dy, Tensor dw, Tensor db) {
        filterGradients(x, dy, dw, db, true);
    }

    private void filterGradients(Block x, Tensor dy, Tensor dw, Tensor db, boolean accumulate) {
        requireBlock(x, "input");
        requireOutput(dy, "output gradient");
        Window all = Window.full(dy.shape());
        if (!need.isEmpty()) {
            backend.convBackwardFilter(localInput(x), dy, local, dw, all, accumulate);
        } else if (!accumulate) {
            dw.fill(0f);
        }
        if (db != null) {
            backend.biasBackward(dy, db, all, accumulate);
        }
    }

    /** The needed input as a tensor: the block itself, or a copy of its needed box. */
    private Tensor localInput(Block x) {
        if (inPlace) {
            return x.data();
        }
        Block t = Block.allocate(need);
        Boxes.copy(x, t, need, ExchangeMode.COPY);
        return t.data();
    }

    private static void fillBias(Tensor y, Tensor bias) {
        Shape s = y.shape();
        int plane = s.h() * s.w();
        for (int n = 0; n < s.n(); n++) {
            for (int k = 0; k < s.c(); k++) {
                float v = bias == null ? 0f : bias.data()[k];
                java.util.Arrays.fill(y.data(), (n * s.c() + k) * plane, (n * s.c() + k + 1) * plane, v);
            }
        }
    }

    private void requireBlock(Block b, String what) {
        if (!b.box().equals(block)) {
            throw new IllegalArgumentException(what + " block " + b.box() + " is not rank " + rank + "'s block "
                    + block);
        }
    }

    private void requireOutput(Tensor t, String what) {
        if (!t.shape().equals(Shape.of(ownOut.extents()))) {
            throw new IllegalArgumentException(what + " has shape " + t.shape() + " but rank " + rank + " owns "
                    + Shape.of(ownOut.extents()));
        }
    }
}
