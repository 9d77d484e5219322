package org.spatialconv.perfmodel.net;

import java.util.List;

/** Average over all of H and W: N,C,H,W to N,C,1,1. */
public record GlobalAvgPoolSpec() implements LayerSpec {
    @Override
    public String type() {
        return "global_avg_pool";
    }

    @Override
    public TensorShape outputShape(List<TensorShape> inputs) {
        TensorShape x = LayerSpec.single(inputs);
        return new TensorShape(x.n(), x.c(), 1, 1);
    }
}
