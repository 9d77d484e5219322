package org.spatialconv.perfmodel.net;

import java.util.List;

/** An elementwise activation: ReLU, or LeakyReLU with a negative slope. */
public record ActivationSpec(Kind kind, double slope) implements LayerSpec {
    /** Which activation. */
    public enum Kind { RELU, LEAKY_RELU }

    /** Plain ReLU. */
    public static final ActivationSpec RELU = new ActivationSpec(Kind.RELU, 0);

    /** @throws IllegalArgumentException if the slope is outside [0, 1), or non-zero for ReLU */
    public ActivationSpec {
        if (kind == null || (kind == Kind.RELU && slope != 0)) {
            throw new IllegalArgumentException("activation: bad kind/slope " + kind + ", " + slope);
        }
        org.spatialconv.conv.layers.Activations.checkSlope(slope); // the engine's kernels take [0, 1)
    }

    /** LeakyReLU with the given negative slope. */
    public static ActivationSpec leaky(double slope) {
        return new ActivationSpec(Kind.LEAKY_RELU, slope);
    }

    @Override
    public String type() {
        return kind == Kind.RELU ? "relu" : "leakyrelu";
    }

    @Override
    public TensorShape outputShape(List<TensorShape> inputs) {
        return LayerSpec.single(inputs);
    }
}
