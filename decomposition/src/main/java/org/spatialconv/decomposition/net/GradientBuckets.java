package org.spatialconv.decomposition.net;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.decomposition.comm.CommunicationException;
import org.spatialconv.decomposition.comm.Communicator;

/**
 * The gradient allreduce overlapped with backward, as PyTorch's DDP does it: the summed parameters are grouped
 * into buckets in backward order (the last layer's parameters first), each at least {@code bucketBytes} unless it
 * is the last. When backward has finished every layer of a bucket, the bucket's gradients are copied into its
 * buffer and summed over the ranks on a thread of this rank's own, over a communicator split from the rank's
 * (so its messages never meet the halo exchanges of the layers still running backward). {@link #finish} waits
 * for every bucket and copies the sums back.
 *
 * <p>Every element is still summed by the communicator's deterministic allreduce, in rank order, so the result is
 * bit-identical to the one fused allreduce of {@link Network#allreduceGradients()} without overlap.
 */
final class GradientBuckets implements AutoCloseable {
    /** A bucket: parameters in backward order, its buffer, and the layer whose backward completes it. */
    private static final class Bucket {
        final List<Parameter> params = new ArrayList<>();
        int readyLayer;
        float[] buf;
        Future<?> pending;
    }

    private final Communicator comm;
    private final ExecutorService thread;
    /** Per layer index: the bucket its backward completes, or null. */
    private final Bucket[] completes;
    private final List<Bucket> buckets = new ArrayList<>();
    private boolean closed;

    /**
     * Collective over {@code parent} (it splits it): every rank must call it at the same point.
     *
     * @param layerParams per layer, in definition order, that layer's parameters whose gradients are summed
     * @param bucketBytes the least bytes of a bucket but the last (positive: {@link Network#overlapGradients} checks)
     */
    GradientBuckets(Communicator parent, List<List<Parameter>> layerParams, long bucketBytes, int rank) {
        completes = new Bucket[layerParams.size()];
        Bucket cur = null;
        long bytes = 0;
        for (int i = layerParams.size() - 1; i >= 0; i--) {
            if (layerParams.get(i).isEmpty()) {
                continue;
            }
            if (cur == null) {
                cur = new Bucket();
                bytes = 0;
            }
            for (Parameter p : layerParams.get(i)) {
                cur.params.add(p);
                bytes += 4L * p.grad().data().length;
            }
            cur.readyLayer = i;
            if (bytes >= bucketBytes) {
                seal(cur, bytes);
                cur = null;
            }
        }
        if (cur != null) {
            seal(cur, bytes);
        }
        comm = parent.split(0, parent.rank());
        thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spatialconv-gradients-rank-" + rank);
            t.setDaemon(true);
            return t;
        });
    }

    /** Gives a full bucket its buffer and registers it with the layer whose backward completes it. */
    private void seal(Bucket b, long bytes) {
        if (bytes > Integer.MAX_VALUE * 4L) {
            throw new IllegalArgumentException("a gradient bucket of " + bytes + " bytes exceeds one Java array");
        }
        b.buf = new float[(int) (bytes / 4)];
        completes[b.readyLayer] = b;
        buckets.add(b);
    }

    /** Number of buckets (for tests and reports). */
    int bucketCount() {
        return buckets.size();
    }

    /** Whether some bucket has been started and not yet {@linkplain #finish() finished}. */
    boolean pending() {
        for (Bucket b : buckets) {
            if (b.pending != null) {
                return true;
            }
        }
        return false;
    }

    /** Called after layer {@code i}'s backward: starts the allreduce of the bucket that layer completes. */
    void layerDone(int i) {
        Bucket b = completes[i];
        if (b == null) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("the network's gradient buckets are closed");
        }
        int at = 0;
        for (Parameter p : b.params) {
            float[] g = p.grad().data();
            System.arraycopy(g, 0, b.buf, at, g.length);
            at += g.length;
        }
        float[] buf = b.buf;
        b.pending = thread.submit(() -> comm.allreduceSum(buf, 0, buf.length));
    }

    /** Waits for every started bucket and copies the sums into the parameters' gradients. */
    void finish() {
        RuntimeException first = null;
        for (Bucket b : buckets) {
            if (b.pending == null) {
                continue;
            }
            try {
                b.pending.get();
                int at = 0;
                for (Parameter p : b.params) {
                    float[] g = p.grad().data();
                    System.arraycopy(b.buf, at, g, 0, g.length);
                    at += g.length;
                }
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (first == null) {
                    first = c instanceof RuntimeException re ? re
                            : new CommunicationException("gradient allreduce failed: " + c, c);
                }
                if (c instanceof Error err) {
                    throw err;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (first == null) {
                    first = new CommunicationException("interrupted while waiting for the gradient allreduce", e);
                }
            } finally {
                b.pending = null;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Stops the allreduce thread and closes its communicator. After {@link #finish()} this returns once the thread
     * has ended. With an allreduce still in flight (the rank is failing) it does not wait: the thread closes the
     * communicator when that allreduce ends, which the world's failure or its timeout guarantees.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean inFlight = pending();
        thread.execute(comm::close);
        thread.shutdown();
        if (inFlight) {
            return;
        }
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the gradient allreduce thread did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
