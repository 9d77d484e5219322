package org.spatialconv.decomposition.net;

import java.util.List;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Pooling;
import org.spatialconv.decomposition.grid.ConvHalo;
import org.spatialconv.decomposition.grid.Region;

/**
 * Distributed max or average pooling: the owned outputs' window input (owned block + halo, as
 * {@link ConvHalo#need} derives it for any kernel, stride and padding) is fetched forward, and the gradient over
 * that box is pushed back to its owners with accumulate.
 */
public final class PoolLayer extends WindowLayer {
    private final Pooling.Mode mode;
    private final ConvGeometry g;
    private int[] argmax;

    /** Pooling with geometry {@code g} (dilation 1, one group). */
    public PoolLayer(Pooling.Mode mode, ConvGeometry g) {
        this.mode = mode;
        this.g = g;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        requireInputs(inputs, 1, "pool");
        return Pooling.outputShape(g, inputs.get(0));
    }

    @Override
    protected Region need(Shape x, Region out) {
        return ConvHalo.need(g, x, out);
    }

    @Override
    protected void compute(Tensor xBox, Tensor y) {
        argmax = mode == Pooling.Mode.MAX ? new int[y.shape().size()] : null;
        Pooling.forward(ctx.threads(), mode, g, xBox, xf, y, yf, argmax);
    }

    @Override
    protected void computeBackward(Tensor dy, Tensor dxBox) {
        Pooling.backward(ctx.threads(), mode, g, dy, yf, dxBox, xf, argmax);
        argmax = null;
    }
}
