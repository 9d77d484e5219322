package org.spatialconv.decomposition.net;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.decomposition.grid.Region;

/** Holds the binding every layer needs; layers extend it. */
abstract class BoundLayer implements NetLayer {
    protected RankContext ctx;
    protected List<Placement> in;
    protected Placement out;

    @Override
    public void bind(RankContext ctx, List<Placement> inputs, Placement output) {
        this.ctx = ctx;
        this.in = inputs;
        this.out = output;
    }

    protected Region ownOut() {
        return out.own(ctx.rank());
    }

    protected Region ownIn(int i) {
        return in.get(i).own(ctx.rank());
    }

    /**
     * The input halo of a window layer: every rank needs {@code need.apply(its owned output box)} of the first
     * input (the same plan on every rank).
     *
     * @throws IllegalArgumentException if some rank's outputs read no input (a grid too fine for the layer)
     */
    protected Fetch halo(Function<Region, Region> need) {
        Region[] needs = new Region[out.ranks()];
        for (int r = 0; r < needs.length; r++) {
            needs[r] = need.apply(out.own(r));
            if (needs[r].isEmpty()) {
                throw new IllegalArgumentException("outputs " + out.own(r) + " of rank " + r
                        + " read only padding; use a coarser grid");
            }
        }
        return Fetch.halo(in.get(0), needs);
    }

    /** The parameter list of a layer with a weight and an optional bias. */
    protected static List<Parameter> weightAndBias(Parameter w, Parameter b) {
        List<Parameter> p = new ArrayList<>();
        p.add(w);
        if (b != null) {
            p.add(b);
        }
        return p;
    }

    protected static void requireInputs(List<Shape> inputs, int n, String what) {
        if (inputs.size() != n) {
            throw new IllegalArgumentException(what + " takes " + n + " input(s), got " + inputs.size());
        }
    }
}
