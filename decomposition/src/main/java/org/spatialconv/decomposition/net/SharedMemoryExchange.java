package org.spatialconv.decomposition.net;

import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.spatialconv.conv.Tensor;

/**
 * {@link Exchange} for ranks that are threads of one JVM: each collective publishes a reference to the caller's
 * data, waits at a barrier, reads the peers' data in place (no serialisation, no staging copy of the global
 * tensor), and waits again before anyone may reuse its buffer. A rank that fails breaks the barrier, so every
 * other rank fails promptly with that cause; every wait has a timeout.
 */
public final class SharedMemoryExchange implements Exchange {
    /** State shared by the ranks of one group. */
    public static final class Group {
        private final int size;
        private final CyclicBarrier barrier;
        private final Object[] slots;
        private final Duration timeout;
        private volatile Throwable failure;
        private volatile int failedRank = -1;

        /** A group of {@code size} ranks whose waits give up after {@code timeout}. */
        public Group(int size, Duration timeout) {
            if (size < 1) {
                throw new IllegalArgumentException("group size must be >= 1, got " + size);
            }
            this.size = size;
            this.barrier = new CyclicBarrier(size);
            this.slots = new Object[size];
            this.timeout = timeout;
        }

        /** The exchange endpoint of {@code rank}. */
        public SharedMemoryExchange member(int rank) {
            return new SharedMemoryExchange(this, rank);
        }

        /** Marks {@code rank} failed and releases every waiting rank. */
        public synchronized void fail(int rank, Throwable cause) {
            if (failure == null) {
                failure = cause;
                failedRank = rank;
            }
            barrier.reset();
        }

        /** The first failure, or null. */
        public Throwable failure() {
            return failure;
        }
    }

    private final Group group;
    private final int rank;

    private SharedMemoryExchange(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.size;
    }

    private void sync() {
        if (group.failure != null) {
            throw failed();
        }
        try {
            group.barrier.await(group.timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (BrokenBarrierException e) {
            throw failed();
        } catch (TimeoutException e) {
            IllegalStateException ex = new IllegalStateException("rank " + rank + " timed out after "
                    + group.timeout + " waiting for its peers");
            group.fail(rank, ex);
            throw ex;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.fail(rank, e);
            throw new IllegalStateException("rank " + rank + " interrupted", e);
        }
    }

    private IllegalStateException failed() {
        Throwable c = group.failure;
        return new IllegalStateException("rank " + group.failedRank + " failed: " + c, c);
    }

    @Override
    public Tensor fetch(Tensor owned, Placement p, Box want) {
        Box own = p.own(rank);
        group.slots[rank] = new Object[] {owned, own};
        sync();
        if (own.equals(want)) {
            // Nothing to receive: hand back the caller's own block rather than a copy (saves memory unsplit).
            sync();
            return owned;
        }
        Tensor out = Tensor.zeros(want.shape(owned.shape().c()));
        for (int r = 0; r < group.size; r++) {
            Object[] s = (Object[]) group.slots[r];
            Box b = (Box) s[1];
            Box.copy((Tensor) s[0], b, out, want, b.intersect(want), false);
        }
        sync();
        return out;
    }

    @Override
    public Tensor pushAdd(Tensor part, Box have, Placement p, int channels) {
        group.slots[rank] = new Object[] {part, have};
        sync();
        Box own = p.own(rank);
        Tensor out = Tensor.zeros(own.shape(channels));
        for (int r = 0; r < group.size; r++) {
            Object[] s = (Object[]) group.slots[r];
            Box b = (Box) s[1];
            Box.copy((Tensor) s[0], b, out, own, b.intersect(own), true);
        }
        sync();
        return out;
    }

    @Override
    public void allreduce(double[] values) {
        group.slots[rank] = values;
        sync();
        double[] sum = new double[values.length];
        for (int r = 0; r < group.size; r++) {
            double[] v = (double[]) group.slots[r];
            if (v.length != values.length) {
                throw new IllegalStateException("allreduce lengths differ: rank " + r + " has " + v.length
                        + ", rank " + rank + " has " + values.length);
            }
            for (int i = 0; i < sum.length; i++) {
                sum[i] += v[i];
            }
        }
        sync();
        System.arraycopy(sum, 0, values, 0, sum.length);
    }
}
