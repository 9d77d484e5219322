package org.spatialconv.decomposition.net;

import org.spatialconv.decomposition.comm.Communicator;

/**
 * {@link Exchange} over any {@link Communicator} (in-JVM ranks or MPJ Express processes). Layers run their halo
 * exchanges and shuffles as {@link org.spatialconv.decomposition.exchange.RegionExchange} plans over
 * {@link #communicator()}; every rank builds the same plans, so no box lists travel at run time.
 *
 * <p>The allreduce of doubles is exact and summed in double: every rank writes each value as three floats
 * ({@code hi = (float) d}, {@code mid = (float) (d - hi)}, {@code lo = (float) (d - hi - mid)}, which add up to
 * {@code d} exactly for the magnitudes of losses and statistics) into its own slot of a zero buffer, the
 * communicator's float sum gathers the slots (adding zeros is exact), and every rank adds the ranks' values in
 * rank order in double. It moves {@code 3 * ranks} floats per value, so it is meant for short vectors (losses,
 * batch-norm statistics); float data such as gradients goes through {@link Communicator#allreduceSum}.
 */
public final class CommExchange implements Exchange {
    private static final int PARTS = 3;
    private final Communicator comm;
    private Communicator alone;

    /** An exchange over {@code comm} (not closed by this object; what it splits off is). */
    public CommExchange(Communicator comm) {
        this.comm = comm;
    }

    @Override
    public int rank() {
        return comm.rank();
    }

    @Override
    public int size() {
        return comm.size();
    }

    @Override
    public Communicator communicator() {
        return comm;
    }

    @Override
    public Communicator alone() {
        if (alone == null) {
            alone = comm.split(comm.rank(), 0);
        }
        return alone;
    }

    @Override
    public void close() {
        if (alone != null) {
            alone.close();
            alone = null;
        }
    }

    @Override
    public void allreduce(double[] values) {
        int n = values.length;
        int slot = PARTS * n;
        float[] buf = new float[slot * comm.size()];
        int at = slot * comm.rank();
        for (int i = 0; i < n; i++) {
            double rest = values[i];
            for (int k = 0; k < PARTS; k++) {
                float f = (float) rest;
                buf[at + k * n + i] = f;
                rest -= f;
            }
        }
        comm.allreduceSum(buf, 0, buf.length);
        java.util.Arrays.fill(values, 0);
        for (int r = 0; r < comm.size(); r++) {
            for (int i = 0; i < n; i++) {
                double v = 0;
                for (int k = 0; k < PARTS; k++) {
                    v += buf[r * slot + k * n + i];
                }
                values[i] += v;
            }
        }
    }
}
