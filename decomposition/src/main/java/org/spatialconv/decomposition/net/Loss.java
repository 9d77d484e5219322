package org.spatialconv.decomposition.net;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Losses;

/** Training losses, normalised by global counts so the loss is the same on any decomposition. */
public enum Loss {
    /** Mean squared error over every output element. */
    MSE,
    /** Softmax cross-entropy over channels at every sample and position; targets hold class indices. */
    SOFTMAX_CROSS_ENTROPY;

    /** The local partial loss and its gradient w.r.t. the local prediction block. */
    double partial(Tensor pred, Tensor target, Shape global, Tensor grad) {
        if (this == MSE) {
            return Losses.mse(pred, target, global.size(), grad);
        }
        long count = (long) global.size() / global.c();
        return Losses.softmaxCrossEntropy(pred, target, count, grad);
    }

    /** Channels of the target tensor for an output with {@code c} channels. */
    public int targetChannels(int c) {
        return this == MSE ? c : 1;
    }
}
