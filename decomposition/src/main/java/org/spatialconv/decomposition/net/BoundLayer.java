package org.spatialconv.decomposition.net;

import java.util.List;
import org.spatialconv.conv.Shape;

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

    protected Box ownOut() {
        return out.own(ctx.rank());
    }

    protected Box ownIn(int i) {
        return in.get(i).own(ctx.rank());
    }

    protected static void requireInputs(List<Shape> inputs, int n, String what) {
        if (inputs.size() != n) {
            throw new IllegalArgumentException(what + " takes " + n + " input(s), got " + inputs.size());
        }
    }
}
