package org.spatialconv.decomposition.net;

import java.util.List;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Frame;
import org.spatialconv.conv.layers.Pooling;

/**
 * Distributed max or average pooling: the owned outputs' window input (owned block + halo) is fetched forward, and
 * the gradient over that box is pushed back to its owners with accumulate.
 */
public final class PoolLayer extends BoundLayer {
    private final Pooling.Mode mode;
    private final ConvGeometry g;
    private Box need;
    private Frame xf;
    private Frame yf;
    private int[] argmax;
    private Shape boxShape;

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
    public void bind(RankContext ctx, List<Placement> inputs, Placement output) {
        super.bind(ctx, inputs, output);
        Shape x = inputs.get(0).global();
        Box own = ownOut();
        int[] r = Halo.input(g, 0, own.h0(), own.h1(), x.h());
        int[] c = Halo.input(g, 1, own.w0(), own.w1(), x.w());
        need = new Box(own.n0(), own.n1(), r[0], r[1], c[0], c[1]);
        xf = new Frame(r[0], c[0], x.h(), x.w());
        yf = new Frame(own.h0(), own.w0(), output.global().h(), output.global().w());
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        Tensor xBox = ctx.exchange().fetch(inputs.get(0), in.get(0), need);
        boxShape = xBox.shape();
        Tensor y = Tensor.zeros(ownOut().shape(xBox.shape().c()));
        argmax = mode == Pooling.Mode.MAX ? new int[y.shape().size()] : null;
        Pooling.forward(ctx.threads(), mode, g, xBox, xf, y, yf, argmax);
        return y;
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        Tensor dxBox = Tensor.zeros(boxShape);
        Pooling.backward(ctx.threads(), mode, g, dy, yf, dxBox, xf, argmax);
        argmax = null;
        return List.of(ctx.exchange().pushAdd(dxBox, need, in.get(0), boxShape.c()));
    }
}
