package org.spatialconv.conv.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of workers that share a list of tasks. The calling thread is worker 0, so {@code threads = 1} needs no
 * pool at all. Each worker has a stable index, which lets it own scratch buffers and partial sums without locks.
 */
final class WorkerPool implements AutoCloseable {
    /** The body of a parallel loop: run task {@code task} on worker {@code worker}. */
    @FunctionalInterface
    interface Body {
        void run(int worker, int task);
    }

    private final int threads;
    private final ExecutorService executor;

    WorkerPool(int threads) {
        this.threads = threads;
        this.executor = threads > 1 ? Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "spatialconv-cpu-worker");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    int threads() {
        return threads;
    }

    /** Runs tasks {@code 0..tasks-1} on up to {@link #threads()} workers and waits for all of them. */
    void run(int tasks, Body body) {
        int workers = Math.min(threads, tasks);
        if (workers <= 1) {
            for (int t = 0; t < tasks; t++) {
                body.run(0, t);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>(workers - 1);
        for (int w = 1; w < workers; w++) {
            int worker = w;
            futures.add(executor.submit(() -> drain(worker, tasks, next, body)));
        }
        RuntimeException failure = null;
        try {
            drain(0, tasks, next, body);
        } catch (RuntimeException e) {
            failure = e;
            next.set(tasks); // stop the others early
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while waiting for CPU workers", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void drain(int worker, int tasks, AtomicInteger next, Body body) {
        for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
            body.run(worker, t);
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
