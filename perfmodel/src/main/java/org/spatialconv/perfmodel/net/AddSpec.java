package org.spatialconv.perfmodel.net;

import java.util.List;

/** Elementwise sum of two or more inputs of identical shape (residual connections). */
public record AddSpec() implements LayerSpec {
    @Override
    public String type() {
        return "add";
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
        for (TensorShape s : inputs) {
            if (!s.equals(first)) {
                throw new IllegalArgumentException("inputs must have equal shapes, got " + inputs);
            }
        }
        return first;
    }
}
