package org.spatialconv.perfmodel.net;

import java.util.List;

/** Fully connected layer over the flattened C·H·W features of each sample: output N,outFeatures,1,1. */
public record LinearSpec(int outFeatures, boolean bias) implements LayerSpec {
    /** @throws IllegalArgumentException if outFeatures is below 1 */
    public LinearSpec {
        if (outFeatures < 1) {
            throw new IllegalArgumentException("fc: out_features must be >= 1, got " + outFeatures);
        }
    }

    @Override
    public String type() {
        return "fc";
    }

    @Override
    public TensorShape outputShape(List<TensorShape> inputs) {
        TensorShape x = LayerSpec.single(inputs);
        return new TensorShape(x.n(), outFeatures, 1, 1);
    }

    @Override
    public long paramCount(List<TensorShape> inputs) {
        TensorShape x = LayerSpec.single(inputs);
        return (long) x.c() * x.h() * x.w() * outFeatures + (bias ? outFeatures : 0);
    }
}
