package org.spatialconv.decomposition.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.layer.DistributedConv;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * Distributed 2-D convolution: this rank's part of the decomposition module's {@link DistributedConv} (halo
 * exchange into the input block's margins, local problem with the clipped padding, interior computed while the
 * halo is in flight; backward-data pushes the halo gradients back, summed). The weight and bias gradients of
 * the owned outputs are added locally and summed over ranks by the network.
 */
public final class ConvLayer extends BoundLayer {
    private final ConvGeometry g;
    private final int filters;
    private final boolean bias;
    private Parameter w;
    private Parameter b;
    private DistributedConv conv;
    /** The input block with the halo the forward pass exchanged, kept for the filter gradient. */
    private Block x;

    /** A convolution to {@code filters} channels, with or without bias. */
    public ConvLayer(ConvGeometry g, int filters, boolean bias) {
        if (g.spatialRank() != 2) {
            throw new IllegalArgumentException("only 2-D convolutions are distributed");
        }
        this.g = g;
        this.filters = filters;
        this.bias = bias;
    }

    private Shape weightShape(Shape x) {
        return g.weightShape(x.c(), filters);
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        requireInputs(inputs, 1, "conv");
        return g.outputShape(inputs.get(0), weightShape(inputs.get(0)));
    }

    @Override
    public void bind(RankContext ctx, List<Placement> inputs, Placement output) {
        super.bind(ctx, inputs, output);
        conv = ctx.conv(inputs.get(0), g, weightShape(inputs.get(0).global()));
    }

    /** Whether this layer's convolution overlaps its halo exchange with computation (once bound). */
    public OverlapMode overlap() {
        return conv.overlap();
    }

    @Override
    public void init(String name, Random rnd) {
        Shape ws = weightShape(in.get(0).global());
        w = new Parameter(name + ".weight", Init.heUniform(rnd, ws, ws.size() / filters));
        if (bias) {
            b = new Parameter(name + ".bias", Init.constant(Shape.of(filters), 0f));
        }
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        x = conv.inputBlock(inputs.get(0));
        Tensor y = conv.allocateOutput();
        conv.forward(x, w.value(), b == null ? null : b.value(), y);
        return y;
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        Block dx = conv.allocateInput();
        conv.backwardData(dy, w.value(), dx);
        conv.addFilterGradients(x, dy, w.grad(), b == null ? null : b.grad());
        x = null;
        return List.of(conv.ownedInput(dx));
    }

    @Override
    public List<Parameter> parameters() {
        return weightAndBias(w, b);
    }
}
