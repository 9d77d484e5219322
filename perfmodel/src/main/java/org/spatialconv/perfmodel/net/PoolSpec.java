package org.spatialconv.perfmodel.net;

import java.util.List;

/**
 * Max or average pooling over a window with stride and padding (padding counts as -inf for max and is excluded
 * from the average's divisor, as PyTorch's {@code count_include_pad=False}). Output size as for a convolution.
 */
public record PoolSpec(Kind kind, Hw kernel, Hw stride, Hw padLo, Hw padHi) implements LayerSpec {
    /** Which reduction. */
    public enum Kind { MAX, AVG }

    /** @throws IllegalArgumentException if a value is out of range */
    public PoolSpec {
        if (kind == null) {
            throw new IllegalArgumentException("pool: kind is required");
        }
        LayerSpec.checkWindow("pool", kernel, stride, padLo, padHi, Hw.of(1));
        for (int s = 0; s < 2; s++) {
            if (padLo.get(s) >= kernel.get(s) || padHi.get(s) >= kernel.get(s)) {
                throw new IllegalArgumentException("pool: padding must be smaller than the kernel, got " + padLo
                        + "/" + padHi + " for kernel " + kernel);
            }
        }
    }

    /** Square window, symmetric padding. */
    public static PoolSpec of(Kind kind, int kernel, int stride, int padding) {
        return new PoolSpec(kind, Hw.of(kernel), Hw.of(stride), Hw.of(padding), Hw.of(padding));
    }

    @Override
    public String type() {
        return kind == Kind.MAX ? "maxpool" : "avgpool";
    }

    @Override
    public TensorShape outputShape(List<TensorShape> inputs) {
        TensorShape x = LayerSpec.single(inputs);
        int oh = LayerSpec.windowOutput(x.h(), kernel.h(), stride.h(), padLo.h(), padHi.h(), 1);
        int ow = LayerSpec.windowOutput(x.w(), kernel.w(), stride.w(), padLo.w(), padHi.w(), 1);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("input " + x.h() + "x" + x.w() + " is smaller than the window "
                    + kernel);
        }
        return new TensorShape(x.n(), x.c(), oh, ow);
    }
}
