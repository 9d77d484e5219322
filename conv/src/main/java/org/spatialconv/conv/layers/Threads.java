package org.spatialconv.conv.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * How many threads one rank's layer kernels may use. Work is split into contiguous chunks of independent items
 * (typically (n, c) planes); small jobs stay on the calling thread because handing them off costs more than
 * they take.
 *
 * @param count threads per rank, at least 1
 */
public record Threads(int count) {
    /** Below this many element-operations a job runs serially. */
    private static final long MIN_PARALLEL_WORK = 1L << 16;

    /** Daemon worker threads shared by all ranks; each job uses at most {@link #count()} of them at once. */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "spatialconv-layer");
        t.setDaemon(true);
        return t;
    });

    /** Single-threaded. */
    public static final Threads ONE = new Threads(1);

    /** Validates the count. */
    public Threads {
        if (count < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + count);
        }
    }

    /**
     * Runs {@code body} for every item in {@code [0, items)}; items must be independent.
     *
     * @param workPerItem rough element-operations per item, used only to decide whether to go parallel
     */
    public void forEach(int items, long workPerItem, IntConsumer body) {
        int t = (int) Math.min(count, items);
        if (t <= 1 || items * workPerItem < MIN_PARALLEL_WORK) {
            for (int i = 0; i < items; i++) {
                body.accept(i);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>();
        for (int k = 1; k < t; k++) {
            int lo = (int) ((long) items * k / t);
            int hi = (int) ((long) items * (k + 1) / t);
            futures.add(POOL.submit(() -> {
                for (int i = lo; i < hi; i++) {
                    body.accept(i);
                }
            }));
        }
        int hi0 = items / t;
        for (int i = 0; i < hi0; i++) {
            body.accept(i);
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a layer kernel", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof Error er) {
                    throw er;
                }
                throw new IllegalStateException(c);
            }
        }
    }
}
