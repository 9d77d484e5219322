package org.spatialconv.perfmodel.net;

import java.util.List;

/** Batch normalization over N, H, W per channel, with a learned scale and shift (2·C parameters). */
public record BatchNormSpec(double eps, double momentum) implements LayerSpec {
    /** PyTorch's defaults: eps 1e-5, momentum 0.1. */
    public static final BatchNormSpec DEFAULT = new BatchNormSpec(1e-5, 0.1);

    /** @throws IllegalArgumentException if eps is not positive or momentum not in [0, 1] */
    public BatchNormSpec {
        if (!(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("batchnorm: eps must be > 0 and momentum in [0,1], got " + eps + ", "
                    + momentum);
        }
    }

    @Override
    public String type() {
        return "batchnorm";
    }

    @Override
    public TensorShape outputShape(List<TensorShape> inputs) {
        return LayerSpec.single(inputs);
    }

    @Override
    public long paramCount(List<TensorShape> inputs) {
        return 2L * LayerSpec.single(inputs).c();
    }
}
