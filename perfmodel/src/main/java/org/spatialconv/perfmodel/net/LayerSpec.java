package org.spatialconv.perfmodel.net;

import java.util.List;

/**
 * What one layer computes, independent of its name, its inputs and its distribution. Implementations are
 * immutable records; {@link #outputShape} is the shape-inference rule and throws an
 * {@link IllegalArgumentException} (without the layer name; the network adds it) when the inputs do not fit.
 */
public sealed interface LayerSpec permits ConvSpec, DeconvSpec, BatchNormSpec, ActivationSpec, PoolSpec,
        UpsampleSpec, AddSpec, ConcatSpec, GlobalAvgPoolSpec, LinearSpec, LossSpec {

    /** The layer's type name in the JSON format, e.g. {@code "conv"}. */
    String type();

    /** Number of inputs this layer takes, or {@code -1} for "two or more" (add, concat). */
    default int arity() {
        return 1;
    }

    /** Output shape for the given input shapes (one per input, in order). */
    TensorShape outputShape(List<TensorShape> inputs);

    /** Number of trainable parameters given the input shapes. */
    default long paramCount(List<TensorShape> inputs) {
        return 0;
    }

    /** Output size of a sliding window along one dimension; the formula of {@code ConvGeometry}. */
    static int windowOutput(int in, int kernel, int stride, int padLo, int padHi, int dilation) {
        int span = dilation * (kernel - 1) + 1;
        int padded = in + padLo + padHi;
        if (padded < span) {
            return 0;
        }
        return (padded - span) / stride + 1;
    }

    /** Checks that a window geometry's entries are in range; {@code what} names the layer kind. */
    static void checkWindow(String what, Hw kernel, Hw stride, Hw padLo, Hw padHi, Hw dilation) {
        for (int s = 0; s < 2; s++) {
            if (kernel.get(s) < 1 || stride.get(s) < 1 || dilation.get(s) < 1) {
                throw new IllegalArgumentException(what + ": kernel, stride and dilation must be >= 1, got kernel "
                        + kernel + " stride " + stride + " dilation " + dilation);
            }
            if (padLo.get(s) < 0 || padHi.get(s) < 0) {
                throw new IllegalArgumentException(what + ": padding must be >= 0, got " + padLo + "/" + padHi);
            }
        }
    }

    /** Requires exactly one input and returns it. */
    static TensorShape single(List<TensorShape> inputs) {
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("expects 1 input, got " + inputs.size());
        }
        return inputs.get(0);
    }
}
