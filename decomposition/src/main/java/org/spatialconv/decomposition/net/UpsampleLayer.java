package org.spatialconv.decomposition.net;

import java.util.List;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Upsample;
import org.spatialconv.decomposition.grid.Region;

/** Distributed nearest/bilinear upsampling: at most one input row/column of halo forward, pushed back backward. */
public final class UpsampleLayer extends WindowLayer {
    private final Upsample up;

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
    protected Region need(Shape x, Region out) {
        int[] r = up.inputRange(0, out.lo(2), out.hi(2), x.h());
        int[] c = up.inputRange(1, out.lo(3), out.hi(3), x.w());
        return out.with(1, 0, x.c()).with(2, r[0], r[1]).with(3, c[0], c[1]);
    }

    @Override
    protected void compute(Tensor xBox, Tensor y) {
        up.forward(ctx.threads(), xBox, xf, y, yf);
    }

    @Override
    protected void computeBackward(Tensor dy, Tensor dxBox) {
        up.backward(ctx.threads(), dy, yf, dxBox, xf);
    }
}
