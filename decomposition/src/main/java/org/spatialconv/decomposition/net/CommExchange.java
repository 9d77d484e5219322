package org.spatialconv.decomposition.net;

import org.spatialconv.decomposition.comm.Communicator;

/**
 * {@link Exchange} over any {@link Communicator} (in-JVM ranks or MPJ Express processes). Layers run their halo
 * exchanges and shuffles as {@link org.spatialconv.decomposition.exchange.RegionExchange} plans over
 * {@link #communicator()}; every rank builds the same plans, so no box lists travel at run time.
 *
 * <p>Doubles are allreduced as two floats each ({@code hi = (float) d}, {@code lo = (float) (d - hi)}), which
 * keeps each rank's contribution exact; the sum itself is accumulated by the communicator in float, in a fixed
 * order, so it is identical on every rank.
 */
public final class CommExchange implements Exchange {
    private final Communicator comm;

    /** An exchange over {@code comm} (not closed by this object). */
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
    public void allreduce(double[] values) {
        int n = values.length;
        float[] buf = new float[2 * n];
        for (int i = 0; i < n; i++) {
            float hi = (float) values[i];
            buf[i] = hi;
            buf[n + i] = (float) (values[i] - hi);
        }
        comm.allreduceSum(buf, 0, buf.length);
        for (int i = 0; i < n; i++) {
            values[i] = (double) buf[i] + buf[n + i];
        }
    }
}
