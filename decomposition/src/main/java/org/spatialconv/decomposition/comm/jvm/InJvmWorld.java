package org.spatialconv.decomposition.comm.jvm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.spatialconv.decomposition.comm.CommunicationException;
import org.spatialconv.decomposition.comm.RankBody;
import org.spatialconv.decomposition.comm.RankFailedException;
import org.spatialconv.decomposition.comm.RankLauncher;

/**
 * Launches ranks as threads of this JVM. A rank that throws marks the world failed, which makes every other
 * rank's pending and future waits fail at once; the launcher then rethrows the first failure. After a
 * successful run, communicators from {@code split} that a rank left open are reported as a leak
 * ({@link IllegalStateException}), as MPJ's world does.
 */
public final class InJvmWorld implements RankLauncher {
    /** The shared launcher (it holds no state). */
    public static final InJvmWorld INSTANCE = new InJvmWorld();

    private InJvmWorld() {
    }

    /** Convenience for {@code INSTANCE.run(...)}. */
    public static <T> List<T> launch(int ranks, Duration timeout, RankBody<T> body) {
        return INSTANCE.run(ranks, timeout, body);
    }

    @Override
    public <T> List<T> run(int ranks, Duration timeout, RankBody<T> body) {
        if (ranks < 1) {
            throw new IllegalArgumentException("need at least one rank, got " + ranks);
        }
        WorldState world = new WorldState(timeout);
        int[] ids = new int[ranks];
        Arrays.setAll(ids, i -> i);
        Context root = new Context(world, ids);
        Object[] results = new Object[ranks];
        Thread[] threads = new Thread[ranks];
        for (int r = 0; r < ranks; r++) {
            final int rank = r;
            threads[r] = new Thread(() -> {
                try (InJvmCommunicator comm = new InJvmCommunicator(root, rank)) {
                    results[rank] = body.run(comm);
                } catch (Throwable t) {
                    world.fail(rank, t);
                }
            }, "spatialconv-rank-" + r);
            // A rank stuck in pure computation must not keep the JVM alive.
            threads[r].setDaemon(true);
            threads[r].start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                world.fail(-1, e);
                Thread.currentThread().interrupt();
                throw new CommunicationException("interrupted while waiting for ranks", e);
            }
        }
        Throwable failure = world.failure();
        if (failure != null) {
            throw new RankFailedException(world.failedRank(), failure);
        }
        int open = world.openSubs.get();
        if (open > 0) {
            throw new IllegalStateException(open + " communicator(s) from split() were not closed");
        }
        List<T> out = new ArrayList<>(ranks);
        for (Object o : results) {
            @SuppressWarnings("unchecked")
            T t = (T) o;
            out.add(t);
        }
        return out;
    }
}
