package org.spatialconv.decomposition.net;

import java.util.List;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Elementwise;

/** Residual add of two or more inputs of the same shape (local: all inputs are placed alike). */
public final class AddLayer extends BoundLayer {
    private int count;

    @Override
    public Shape outputShape(List<Shape> inputs) {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("add takes at least 2 inputs, got " + inputs.size());
        }
        for (Shape s : inputs) {
            if (!s.equals(inputs.get(0))) {
                throw new IllegalArgumentException("add inputs differ in shape: " + inputs.get(0) + " and " + s);
            }
        }
        return inputs.get(0);
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        Tensor y = Elementwise.add(inputs.get(0), inputs.get(1));
        for (int i = 2; i < inputs.size(); i++) {
            y = Elementwise.add(y, inputs.get(i));
        }
        count = inputs.size();
        return y;
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        return java.util.Collections.nCopies(count, dy);
    }
}
