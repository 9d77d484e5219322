package org.spatialconv.decomposition.net;

import java.util.List;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Elementwise;

/** Channel concatenation (skip connections); local, its backward splits the gradient. */
public final class ConcatLayer extends BoundLayer {
    private int[] channels;

    @Override
    public Shape outputShape(List<Shape> inputs) {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("concat takes at least 2 inputs, got " + inputs.size());
        }
        Shape s0 = inputs.get(0);
        int c = 0;
        for (Shape s : inputs) {
            if (s.n() != s0.n() || s.h() != s0.h() || s.w() != s0.w()) {
                throw new IllegalArgumentException("concat inputs differ in N or spatial size: " + s0 + " and " + s);
            }
            c += s.c();
        }
        return s0.with(1, c);
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        channels = new int[inputs.size()];
        for (int i = 0; i < channels.length; i++) {
            channels[i] = inputs.get(i).shape().c();
        }
        return Elementwise.concat(inputs);
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        return List.of(Elementwise.split(dy, channels));
    }
}
