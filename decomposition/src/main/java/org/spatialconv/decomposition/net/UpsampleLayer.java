package org.spatialconv.decomposition.net;

import java.util.List;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Frame;
import org.spatialconv.conv.layers.Upsample;

/** Distributed nearest/bilinear upsampling: at most one input row/column of halo forward, pushed back backward. */
public final class UpsampleLayer extends BoundLayer {
    private final Upsample up;
    private Box need;
    private Frame xf;
    private Frame yf;
    private Shape boxShape;

    /** Upsampling as {@code up} defines it. */
    public UpsampleLayer(Upsample up) {
        this.up = up;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        requireInputs(inputs, 1, "upsample");
        return up.outputShape(inputs.get(0));
    }

    @Override
    public void bind(RankContext ctx, List<Placement> inputs, Placement output) {
        super.bind(ctx, inputs, output);
        Shape x = inputs.get(0).global();
        Box own = ownOut();
        int[] r = up.inputRange(0, own.h0(), own.h1(), x.h());
        int[] c = up.inputRange(1, own.w0(), own.w1(), x.w());
        need = new Box(own.n0(), own.n1(), r[0], r[1], c[0], c[1]);
        xf = new Frame(r[0], c[0], x.h(), x.w());
        yf = new Frame(own.h0(), own.w0(), output.global().h(), output.global().w());
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        Tensor xBox = ctx.exchange().fetch(inputs.get(0), in.get(0), need);
        boxShape = xBox.shape();
        Tensor y = Tensor.zeros(ownOut().shape(boxShape.c()));
        up.forward(ctx.threads(), xBox, xf, y, yf);
        return y;
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        Tensor dxBox = Tensor.zeros(boxShape);
        up.backward(ctx.threads(), dy, yf, dxBox, xf);
        return List.of(ctx.exchange().pushAdd(dxBox, need, in.get(0), boxShape.c()));
    }
}
