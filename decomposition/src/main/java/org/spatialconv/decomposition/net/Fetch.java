package org.spatialconv.decomposition.net;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.exchange.Boxes;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.exchange.RegionExchange;
import org.spatialconv.decomposition.grid.Region;

/**
 * A fixed data movement of a network and its adjoint: each rank needs box {@code needs[r]} of a tensor placed
 * under {@code from} (a layer's input halo, or a consumer's blocks where the network changes placement).
 * {@link #forward} gathers it with a {@link RegionExchange} in copy mode; {@link #backward} pushes a gradient over
 * the needed box back to the owners, summed ({@link ExchangeMode#ACCUMULATE}). Every rank builds the same plan
 * once, at bind time, so no box lists travel at run time.
 *
 * <p>From a replicated tensor each rank crops its box locally. The gradient of a replicated consumer (every rank
 * computed the same thing) is cropped too; that of a split consumer of a replicated tensor is summed over ranks.
 */
final class Fetch {
    private final Placement from;
    private final Region[] needs;
    private final boolean consumerReplicated;
    /** True if every rank needs exactly what it holds: both directions hand the tensor through. */
    private final boolean identity;
    private final RegionExchange gather;
    private final RegionExchange push;

    private Fetch(Placement from, Region[] needs, boolean consumerReplicated) {
        if (needs.length != from.ranks()) {
            throw new IllegalArgumentException("need " + from.ranks() + " boxes, got " + needs.length);
        }
        this.from = from;
        this.needs = needs.clone();
        this.consumerReplicated = consumerReplicated;
        Region[] owns = from.owns();
        boolean same = true;
        for (int r = 0; r < owns.length; r++) {
            same &= owns[r].equals(needs[r]);
        }
        this.identity = same;
        this.gather = new RegionExchange(owns, needs);
        this.push = new RegionExchange(needs, owns);
    }

    /** The halo of a layer on a tensor placed under {@code from}; on a replicated tensor the layer is replicated. */
    static Fetch halo(Placement from, Region[] needs) {
        return new Fetch(from, needs, from.isReplicated());
    }

    /** The move of a network edge from the producer's placement to the consumer's. */
    static Fetch edge(Placement from, Placement to) {
        if (from.ranks() != to.ranks() || !from.global().equals(to.global())) {
            throw new IllegalArgumentException("cannot move " + from + " to " + to);
        }
        return new Fetch(from, to.owns(), to.isReplicated());
    }

    /** This rank's needed box of the tensor whose block under {@code from} is {@code owned}. */
    Tensor forward(Exchange ex, Tensor owned) {
        int me = ex.rank();
        if (identity) {
            return owned;
        }
        Block src = new Block(from.own(me), owned);
        if (from.isReplicated()) {
            return crop(src, needs[me]);
        }
        Block dst = needs[me].equals(src.box()) ? src : Block.allocate(needs[me]);
        gather.run(ex.communicator(), src, dst, ExchangeMode.COPY);
        return dst.data();
    }

    /** The adjoint of {@link #forward}: from a gradient over this rank's needed box, the gradient of its block. */
    Tensor backward(Exchange ex, Tensor grad) {
        int me = ex.rank();
        if (identity) {
            return grad;
        }
        Block src = new Block(needs[me], grad);
        if (consumerReplicated) {
            return crop(src, from.own(me));
        }
        Block dst = Block.allocate(from.own(me));
        push.run(ex.communicator(), src, dst, ExchangeMode.ACCUMULATE);
        return dst.data();
    }

    /** Box {@code box} of {@code src}, zero where {@code src} does not hold it. */
    private static Tensor crop(Block src, Region box) {
        Block out = new Block(box, Tensor.zeros(Shape.of(box.extents())));
        Boxes.copy(src, out, src.box().intersect(box), ExchangeMode.COPY);
        return out.data();
    }
}
