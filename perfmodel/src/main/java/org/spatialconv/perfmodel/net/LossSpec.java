package org.spatialconv.perfmodel.net;

import java.util.List;

/**
 * A loss on its single input (the prediction): mean squared error against a target of the same shape, or
 * softmax cross-entropy over the channel dimension against integer labels N,1,H,W (per pixel for segmentation,
 * per sample when H = W = 1). Both are means over every sample and pixel, so the value is independent of the
 * decomposition. Output is the scalar loss, shape 1,1,1,1.
 */
public record LossSpec(Kind kind) implements LayerSpec {
    /** Which loss. */
    public enum Kind { MSE, SOFTMAX_CE }

    /** @throws IllegalArgumentException if kind is null */
    public LossSpec {
        if (kind == null) {
            throw new IllegalArgumentException("loss: kind is required");
        }
    }

    @Override
    public String type() {
        return kind == Kind.MSE ? "mse_loss" : "softmax_ce_loss";
    }

    @Override
    public TensorShape outputShape(List<TensorShape> inputs) {
        TensorShape x = LayerSpec.single(inputs);
        if (kind == Kind.SOFTMAX_CE && x.c() < 2) {
            throw new IllegalArgumentException("softmax cross-entropy needs >= 2 channels (classes), got " + x.c());
        }
        return new TensorShape(1, 1, 1, 1);
    }
}
