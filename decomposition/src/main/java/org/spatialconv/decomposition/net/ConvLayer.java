package org.spatialconv.decomposition.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.layers.Parameter;

/**
 * Distributed 2-D convolution: fetch the input box the owned outputs read (owned block + halo), run the local
 * sub-problem with the clipped padding, and in backward compute dx over that box and push its halo part back to
 * the owners with accumulate. The weight and bias gradients of the owned outputs are summed by the network.
 */
public final class ConvLayer extends BoundLayer {
    private final ConvGeometry g;
    private final int filters;
    private final boolean bias;
    private Parameter w;
    private Parameter b;
    private ConvGeometry local;
    private Box need;
    private Tensor xBox;

    /** A convolution to {@code filters} channels, with or without bias. */
    public ConvLayer(ConvGeometry g, int filters, boolean bias) {
        if (g.spatialRank() != 2) {
            throw new IllegalArgumentException("only 2-D convolutions are distributed");
        }
        this.g = g;
        this.filters = filters;
        this.bias = bias;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        requireInputs(inputs, 1, "conv");
        return g.outputShape(inputs.get(0), g.weightShape(inputs.get(0).c(), filters));
    }

    @Override
    public void bind(RankContext ctx, List<Placement> inputs, Placement output) {
        super.bind(ctx, inputs, output);
        Shape x = inputs.get(0).global();
        Object[] l = Halo.local(g, ownOut(), x.h(), x.w());
        local = (ConvGeometry) l[0];
        need = (Box) l[1];
    }

    @Override
    public void init(String name, Random rnd) {
        Shape ws = g.weightShape(in.get(0).global().c(), filters);
        w = new Parameter(name + ".weight", Init.heUniform(rnd, ws, ws.size() / filters));
        if (bias) {
            b = new Parameter(name + ".bias", Init.constant(Shape.of(filters), 0f));
        }
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        xBox = ctx.exchange().fetch(inputs.get(0), in.get(0), need);
        Tensor y = Tensor.zeros(ownOut().shape(filters));
        ctx.backend().convForward(xBox, w.value(), b == null ? null : b.value(), local, y);
        return y;
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        Tensor dxBox = Tensor.zeros(xBox.shape());
        ctx.backend().convBackwardData(dy, w.value(), local, dxBox);
        ctx.backend().convBackwardFilter(xBox, dy, local, w.grad(), Window.full(dy.shape()), true);
        if (b != null) {
            ctx.backend().biasBackward(dy, b.grad(), Window.full(dy.shape()), true);
        }
        xBox = null;
        return List.of(ctx.exchange().pushAdd(dxBox, need, in.get(0), dxBox.shape().c()));
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> p = new ArrayList<>();
        p.add(w);
        if (b != null) {
            p.add(b);
        }
        return p;
    }
}
