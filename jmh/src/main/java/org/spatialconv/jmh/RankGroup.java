package org.spatialconv.jmh;

import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;

/**
 * Persistent in-JVM ranks for benchmarks: each rank sets up its own state once (so data is already distributed,
 * as in training), then every {@link #round()} runs one action on all ranks and waits for them. This times the
 * distributed work alone, without thread start-up, scatter or gather.
 */
public final class RankGroup implements AutoCloseable {
    /** One rank's repeated action. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private final CyclicBarrier start;
    private final CyclicBarrier done;
    private final Thread driver;
    private volatile boolean stop;
    private volatile Throwable failure;

    /** Starts {@code ranks} ranks; {@code setup} runs on each rank's thread and returns its action. */
    public RankGroup(int ranks, Function<Communicator, Action> setup) {
        start = new CyclicBarrier(ranks + 1);
        done = new CyclicBarrier(ranks + 1);
        driver = new Thread(() -> {
            try {
                InJvmWorld.launch(ranks, TIMEOUT, comm -> {
                    try {
                        Action a = setup.apply(comm);
                        while (true) {
                            start.await();
                            if (stop) {
                                return null;
                            }
                            a.run();
                            done.await();
                        }
                    } catch (Throwable t) {
                        failure = t;
                        start.reset();
                        done.reset();
                        throw t;
                    }
                });
            } catch (Throwable t) {
                failure = t;
            }
        }, "rank-group-driver");
        driver.setDaemon(true);
        driver.start();
    }

    /** Runs the action once on every rank and waits for all of them. */
    public void round() {
        if (failure != null) {
            throw new IllegalStateException("rank group failed: " + failure, failure);
        }
        try {
            start.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("rank group failed: " + failure, failure != null ? failure : e);
        }
    }

    /** Stops the ranks. */
    @Override
    public void close() {
        stop = true;
        try {
            start.await(10, TimeUnit.SECONDS);
            driver.join(10_000);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            Thread.currentThread().interrupt();
        }
    }
}
