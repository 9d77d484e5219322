package org.spatialconv.decomposition.net;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs one body per rank on threads of this JVM, each with its own {@link Exchange}, and returns the results in
 * rank order. If any rank throws, every rank is released and the first failure is rethrown here.
 */
public final class LocalRanks {
    private LocalRanks() {
    }

    /** Runs {@code body} on {@code ranks} threads. */
    public static <T> List<T> run(int ranks, Duration timeout, Function<Exchange, T> body) {
        SharedMemoryExchange.Group group = new SharedMemoryExchange.Group(ranks, timeout);
        List<T> results = new ArrayList<>();
        Object[] out = new Object[ranks];
        Thread[] threads = new Thread[ranks];
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            threads[r] = new Thread(() -> {
                try {
                    out[rank] = body.apply(group.member(rank));
                } catch (Throwable t) {
                    group.fail(rank, t);
                }
            }, "rank-" + r);
            threads[r].start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for ranks", e);
            }
        }
        Throwable f = group.failure();
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error er) {
            throw er;
        }
        if (f != null) {
            throw new IllegalStateException(f);
        }
        for (int r = 0; r < ranks; r++) {
            @SuppressWarnings("unchecked")
            T v = (T) out[r];
            results.add(v);
        }
        return results;
    }
}
