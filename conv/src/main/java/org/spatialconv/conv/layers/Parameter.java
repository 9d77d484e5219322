package org.spatialconv.conv.layers;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * A trainable tensor with its gradient, named for saving and loading (e.g. {@code enc1.conv.weight}).
 * The gradient has the value's shape; optimizers read it and update the value in place.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private final Tensor grad;

    /** A parameter holding {@code value} (not copied) with a zero gradient. */
    public Parameter(String name, Tensor value) {
        this.name = name;
        this.value = value;
        this.grad = Tensor.zeros(value.shape());
    }

    public String name() {
        return name;
    }

    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        return grad;
    }

    public Shape shape() {
        return value.shape();
    }

    /** Sets the gradient to zero. */
    public void zeroGrad() {
        grad.fill(0f);
    }

    @Override
    public String toString() {
        return "Parameter[" + name + " " + value.shape() + "]";
    }
}
