package org.spatialconv.decomposition.net;

import org.spatialconv.decomposition.comm.Communicator;

/**
 * A rank's endpoint in a network's group: the {@link Communicator} its layers move halos and shuffles over (with
 * {@link org.spatialconv.decomposition.exchange.RegionExchange}), and the deterministic sum of double values the
 * network needs for losses, batch-norm statistics and gradients. Every rank of the group calls the collectives in
 * the same order. The implementation is {@link CommExchange}; {@link LocalRanks} runs ranks as threads of this
 * JVM over the in-JVM communicator.
 */
public interface Exchange extends AutoCloseable {
    int rank();

    int size();

    /** The communicator of this rank's group. */
    Communicator communicator();

    /**
     * A one-rank communicator for work every rank does alone (a convolution of a replicated tensor), split off
     * the group on first use, so the first call is a collective that every rank makes at the same point, then
     * reused; {@link #close()} releases it.
     */
    Communicator alone();

    /** Releases what this exchange created ({@link #alone()}); the group's communicator is not closed. */
    @Override
    void close();

    /**
     * In-place element-wise sum over all ranks, accumulated in double in rank order, identical on every rank. For
     * short vectors (losses, statistics); float data goes through the communicator's {@code allreduceSum}.
     */
    void allreduce(double[] values);
}
