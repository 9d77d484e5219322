package org.spatialconv.perfmodel.net;

import java.util.List;

/** Channel concatenation of two or more inputs with equal N, H, W (U-Net skip connections). */
public record ConcatSpec() implements LayerSpec {
    @Override
    public String type() {
        return "concat";
    }

    @Override
    public int arity() {
        return -1;
    }

    @Override
    public TensorShape outputShape(List<TensorShape> inputs) {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("expects 2 or more inputs, got " + inputs.size());
        }
        TensorShape first = inputs.get(0);
        int channels = 0;
        for (TensorShape s : inputs) {
            if (s.n() != first.n() || s.h() != first.h() || s.w() != first.w()) {
                throw new IllegalArgumentException("inputs must agree in N, H and W, got " + inputs);
            }
            channels += s.c();
        }
        return new TensorShape(first.n(), channels, first.h(), first.w());
    }
}
