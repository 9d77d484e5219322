package org.spatialconv.decomposition.net;

import java.util.List;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.GlobalAvgPool;
import org.spatialconv.decomposition.grid.Region;

/**
 * Global average pooling to N,C,1,1, replicated on every rank: each rank sums its block per (sample, channel)
 * into a vector over all samples, the vector is allreduced, and the output holds every sample. Backward spreads
 * this rank's samples' (identical, replicated) gradients over its block.
 */
public final class GlobalAvgPoolLayer extends BoundLayer {
    private Shape xShape;

    @Override
    public Shape outputShape(List<Shape> inputs) {
        requireInputs(inputs, 1, "global average pool");
        Shape x = inputs.get(0);
        return Shape.nchw(x.n(), x.c(), 1, 1);
    }

    @Override
    public Placement outputPlacement(List<Placement> inputs, Shape out) {
        return Placement.replicated(inputs.get(0).ranks(), out);
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        Tensor x = inputs.get(0);
        xShape = x.shape();
        Shape g = in.get(0).global();
        Region own = ownIn(0);
        double[] local = GlobalAvgPool.partialSums(x);
        double[] all = new double[g.n() * g.c()];
        if (!in.get(0).isReplicated()) {
            System.arraycopy(local, 0, all, own.lo(0) * g.c(), local.length);
            ctx.exchange().allreduce(all);
        } else {
            all = local;
        }
        return GlobalAvgPool.finish(all, g.n(), g.c(), (long) g.h() * g.w());
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        Shape g = in.get(0).global();
        Region own = ownIn(0);
        Tensor mine = Tensor.zeros(Shape.nchw(own.extent(0), g.c(), 1, 1));
        System.arraycopy(dy.data(), own.lo(0) * g.c(), mine.data(), 0, mine.data().length);
        return List.of(GlobalAvgPool.backward(mine, xShape, (long) g.h() * g.w()));
    }
}
