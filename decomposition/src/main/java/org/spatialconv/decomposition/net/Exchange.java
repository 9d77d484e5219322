package org.spatialconv.decomposition.net;

import org.spatialconv.conv.Tensor;

/**
 * The data movement distributed layers need, as collectives: every rank of the group calls each method in the
 * same order. Implementations: {@link SharedMemoryExchange} (in-JVM ranks reading each other's blocks in place).
 * A region-exchange transport over a {@code Communicator} fits the same interface.
 */
public interface Exchange {
    int rank();

    int size();

    /**
     * Returns a tensor holding box {@code want} (clipped to the global shape by the caller) of the global tensor
     * that {@code owned} is this rank's block of under {@code p}. Halo exchange and shuffle are both this call.
     */
    Tensor fetch(Tensor owned, Placement p, Box want);

    /**
     * The adjoint of {@link #fetch}: every rank contributes {@code part} covering box {@code have}; each owner
     * receives the sum (in rank order, so deterministically) of all contributions inside its block, returned as
     * its owned block under {@code p}.
     */
    Tensor pushAdd(Tensor part, Box have, Placement p, int channels);

    /** In-place element-wise sum over all ranks, in rank order (deterministic, identical on every rank). */
    void allreduce(double[] values);

    /** In-place sum over all ranks of float values, accumulated in double in rank order. */
    default void allreduce(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        allreduce(d);
        for (int i = 0; i < d.length; i++) {
            values[i] = (float) d[i];
        }
    }

    /** Moves a tensor from placement {@code from} to {@code to} (same global shape). */
    default Tensor shuffle(Tensor owned, Placement from, Placement to) {
        if (from.sameLayout(to)) {
            return owned;
        }
        return fetch(owned, from, to.own(rank()));
    }
}
