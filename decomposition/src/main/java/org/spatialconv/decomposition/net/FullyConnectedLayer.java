package org.spatialconv.decomposition.net;

import java.util.List;
import java.util.Random;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.FullyConnected;
import org.spatialconv.conv.layers.Parameter;

/**
 * Fully connected layer, sample-parallel: the network shuffles its input to {@link Placement#samples} (each rank
 * a block of whole samples), each rank multiplies its samples, and the network allreduces the weight and bias
 * gradients like any distributed layer's. With fewer samples than ranks the input is replicated instead; every
 * rank then computes the same product and the gradients are already global (not summed).
 */
public final class FullyConnectedLayer extends BoundLayer {
    private final int outFeatures;
    private Parameter w;
    private Parameter b;
    private Tensor x;

    /** A layer with {@code outFeatures} outputs and a bias. */
    public FullyConnectedLayer(int outFeatures) {
        if (outFeatures < 1) {
            throw new IllegalArgumentException("fully connected needs >= 1 output, got " + outFeatures);
        }
        this.outFeatures = outFeatures;
    }

    @Override
    public boolean samplesParallel() {
        return true;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        requireInputs(inputs, 1, "fully connected");
        return Shape.nchw(inputs.get(0).n(), outFeatures, 1, 1);
    }

    @Override
    public void init(String name, Random rnd) {
        Shape x0 = in.get(0).global();
        int features = x0.size() / x0.n();
        w = new Parameter(name + ".weight", Init.heUniform(rnd, Shape.of(outFeatures, features), features));
        b = new Parameter(name + ".bias", Init.constant(Shape.of(outFeatures), 0f));
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        x = inputs.get(0);
        return FullyConnected.forward(ctx.threads(), x, w.value(), b.value());
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        FullyConnected.backwardParams(ctx.threads(), dy, x, w.grad(), b.grad());
        Tensor dx = FullyConnected.backwardData(ctx.threads(), dy, w.value(), x.shape());
        x = null;
        return List.of(dx);
    }

    @Override
    public List<Parameter> parameters() {
        return weightAndBias(w, b);
    }
}
