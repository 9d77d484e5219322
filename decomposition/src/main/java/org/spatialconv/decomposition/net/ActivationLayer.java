package org.spatialconv.decomposition.net;

import java.util.List;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Activations;

/** ReLU ({@code slope = 0}) or LeakyReLU; purely local on every decomposition. */
public final class ActivationLayer extends BoundLayer {
    private final float slope;
    private Tensor x;

    /** An activation with negative-side {@code slope}. */
    public ActivationLayer(float slope) {
        org.spatialconv.conv.layers.Activations.checkSlope(slope);
        this.slope = slope;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        requireInputs(inputs, 1, "activation");
        return inputs.get(0);
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        x = inputs.get(0);
        return Activations.forward(ctx.threads(), x, slope);
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        Tensor dx = Activations.backward(ctx.threads(), dy, x, slope);
        x = null;
        return List.of(dx);
    }
}
