package org.spatialconv.decomposition.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Communicator} transport must meet; each transport subclasses this with its
 * launcher. Failure tests check that one failing rank fails every rank, with the cause, well within the
 * timeout, and that nothing hangs.
 */
public abstract class CommunicatorContractTest {
    /** Timeout given to communicators in normal tests. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Upper bound for a whole test, so a broken transport fails instead of hanging the build. */
    private static final Duration TEST_LIMIT = Duration.ofSeconds(60);
    /** Failures must surface far sooner than the communicator timeout. */
    private static final long PROMPT_MS = 5_000;
    private static final long SEED = 20261124L;

    /** The transport's launcher. */
    protected abstract RankLauncher launcher();

    /** Rank counts to exercise. */
    protected int[] rankCounts() {
        return new int[] {1, 2, 3, 5};
    }

    private <T> List<T> run(int ranks, Duration timeout, RankBody<T> body) {
        return assertTimeoutPreemptively(TEST_LIMIT, () -> launcher().run(ranks, timeout, body));
    }

    @Test
    void ringExchangeKeepsOrderPerTag() {
        for (int p : rankCounts()) {
            List<float[]> got = run(p, TIMEOUT, comm -> {
                int next = (comm.rank() + 1) % comm.size();
                int prev = (comm.rank() + comm.size() - 1) % comm.size();
                float[] out = new float[6];
                float[] in = new float[6];
                for (int i = 0; i < 3; i++) {
                    out[i] = comm.rank() * 10 + i;
                    out[3 + i] = -(comm.rank() * 10 + i);
                }
                // two messages on one tag (order matters) and one on another, receives posted first
                Request r1 = comm.irecv(in, 0, 2, prev, 7);
                Request r2 = comm.irecv(in, 2, 1, prev, 7);
                Request r3 = comm.irecv(in, 3, 3, prev, 9);
                Request s3 = comm.isend(out, 3, 3, next, 9);
                Request s1 = comm.isend(out, 0, 2, next, 7);
                Request s2 = comm.isend(out, 2, 1, next, 7);
                for (Request r : new Request[] {s1, s2, s3, r1, r2, r3}) {
                    r.await();
                    assertTrue(r.isDone());
                }
                return in;
            });
            for (int r = 0; r < p; r++) {
                int prev = (r + p - 1) % p;
                assertArrayEquals(new float[] {prev * 10, prev * 10 + 1, prev * 10 + 2, -prev * 10,
                    -(prev * 10 + 1), -(prev * 10 + 2)}, got.get(r), "ranks " + p + " rank " + r);
            }
        }
    }

    @Test
    void allreduceIsDeterministicAndCorrect() {
        for (int p : rankCounts()) {
            int count = 1001;
            RankBody<float[]> body = comm -> {
                Random rnd = new Random(SEED + comm.rank());
                float[] v = new float[count + 2];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextGaussian() * 1e3f;
                }
                comm.allreduceSum(v, 1, count);
                return v;
            };
            List<float[]> a = run(p, TIMEOUT, body);
            List<float[]> b = run(p, TIMEOUT, body);
            double[] want = new double[count];
            for (int r = 0; r < p; r++) {
                Random rnd = new Random(SEED + r);
                float[] v = new float[count + 2];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextGaussian() * 1e3f;
                }
                for (int i = 0; i < count; i++) {
                    want[i] += v[1 + i];
                }
            }
            for (int r = 0; r < p; r++) {
                assertArrayEquals(Arrays.copyOfRange(a.get(0), 1, count + 1),
                        Arrays.copyOfRange(a.get(r), 1, count + 1), "bit-identical across ranks");
                assertArrayEquals(a.get(r), b.get(r), "bit-identical across runs");
                for (int i = 0; i < count; i++) {
                    assertEquals(want[i], a.get(r)[1 + i], 1e-2 * p, "element " + i);
                }
            }
        }
    }

    @Test
    void broadcastAndBarrier() {
        for (int p : rankCounts()) {
            AtomicInteger entered = new AtomicInteger();
            List<Integer> seen = run(p, TIMEOUT, comm -> {
                float[] v = new float[4];
                if (comm.rank() == comm.size() - 1) {
                    v = new float[] {1, 2, 3, 4};
                }
                comm.broadcast(v, 1, 3, comm.size() - 1);
                assertArrayEquals(new float[] {0, 2, 3, 4}.length == 4 && comm.rank() == comm.size() - 1
                        ? new float[] {1, 2, 3, 4} : new float[] {0, 2, 3, 4}, v);
                entered.incrementAndGet();
                comm.barrier();
                return entered.get();
            });
            for (int s : seen) {
                assertEquals(p, s, "every rank entered the barrier before any left it");
            }
        }
    }

    @Test
    void aSplitLeftOpenIsReportedAsALeak() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> run(2, TIMEOUT, comm -> {
            comm.split(0, comm.rank()); // never closed
            return null;
        }));
        String msg = e.getMessage() + " / " + (e.getCause() == null ? "" : e.getCause().getMessage());
        assertTrue(msg.contains("were not closed"), msg);
    }

    /**
     * A communicator split off and handed to a helper thread (as {@code Network.overlapGradients} does) sums while
     * the rank's own thread exchanges messages over the parent: neither disturbs the other.
     */
    @Test
    void aSplitOnAHelperThreadRunsBesideTheParent() {
        int p = 3;
        int n = 10_000;
        List<float[]> got = run(p, TIMEOUT, comm -> {
            try (Communicator sub = comm.split(0, comm.rank())) {
                float[] sums = new float[n];
                java.util.Arrays.fill(sums, comm.rank() + 1);
                java.util.concurrent.ExecutorService helper = java.util.concurrent.Executors.newSingleThreadExecutor();
                try {
                    java.util.concurrent.Future<?> f = helper.submit(() -> {
                        for (int k = 0; k < 20; k++) {
                            sub.allreduceSum(sums, (k * n) / 20, n / 20);
                        }
                    });
                    float[] ring = new float[n];
                    for (int k = 0; k < 20; k++) {
                        float[] mine = new float[n];
                        java.util.Arrays.fill(mine, comm.rank() * 100 + k);
                        Request r = comm.irecv(ring, 0, n, (comm.rank() + p - 1) % p, k);
                        comm.send(mine, 0, n, (comm.rank() + 1) % p, k);
                        r.await();
                        assertEquals(((comm.rank() + p - 1) % p) * 100 + k, ring[n - 1], 0f);
                    }
                    f.get();
                } finally {
                    helper.shutdown();
                }
                return sums;
            }
        });
        for (float[] s : got) {
            for (float v : s) {
                assertEquals(1 + 2 + 3, v, 0f);
            }
        }
    }

    @Test
    void splitGroupsByColorOrderedByKey() {
        int p = 5;
        List<int[]> got = run(p, TIMEOUT, comm -> {
            try (Communicator sub = comm.split(comm.rank() % 2, -comm.rank())) {
                float[] v = {comm.rank()};
                sub.allreduceSum(v, 0, 1);
                return new int[] {sub.rank(), sub.size(), (int) v[0]};
            }
        });
        // evens {0,2,4} keyed by -rank: order 4,2,0; odds {1,3}: order 3,1
        int[][] want = {{2, 3, 6}, {1, 2, 4}, {1, 3, 6}, {0, 2, 4}, {0, 3, 6}};
        for (int r = 0; r < p; r++) {
            assertArrayEquals(want[r], got.get(r), "rank " + r);
        }
    }

    @Test
    void throwingRankFailsEveryRankPromptly() {
        int p = 4;
        Duration longTimeout = Duration.ofSeconds(30);
        AtomicInteger peersFailedWithCause = new AtomicInteger();
        long t0 = System.nanoTime();
        RankFailedException e = assertThrows(RankFailedException.class, () -> run(p, longTimeout, comm -> {
            if (comm.rank() == 2) {
                Thread.sleep(100);
                throw new IllegalStateException("boom on two");
            }
            try {
                if (comm.rank() == 0) {
                    comm.recv(new float[1], 0, 1, 2, 0);
                } else {
                    comm.barrier();
                }
            } catch (CommunicationException ce) {
                if (ce.getMessage().contains("rank 2") && ce.getCause() instanceof IllegalStateException) {
                    peersFailedWithCause.incrementAndGet();
                }
                throw ce;
            }
            return null;
        }));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(2, e.rank());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getMessage().contains("boom on two"), e.getMessage());
        assertEquals(p - 1, peersFailedWithCause.get(), "every other rank failed naming rank 2 and its cause");
        assertTrue(ms < PROMPT_MS, "failure took " + ms + " ms");
    }

    @Test
    void abortFailsEveryRank() {
        int p = 3;
        RankFailedException e = assertThrows(RankFailedException.class, () -> run(p, Duration.ofSeconds(30), comm -> {
            if (comm.rank() == 1) {
                comm.abort(new ArithmeticException("abandon"));
            }
            comm.barrier();
            return null;
        }));
        assertEquals(1, e.rank());
        assertInstanceOf(ArithmeticException.class, e.getCause());
    }

    @Test
    void unmatchedReceiveTimesOut() {
        long t0 = System.nanoTime();
        RankFailedException e = assertThrows(RankFailedException.class, () -> run(2, Duration.ofMillis(300), comm -> {
            if (comm.rank() == 0) {
                comm.recv(new float[1], 0, 1, 1, 42);
            }
            return null;
        }));
        assertInstanceOf(CommunicationException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("timed out"), e.getCause().getMessage());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < PROMPT_MS);
    }

    @Test
    void mismatchedCountsAreAnError() {
        RankFailedException e = assertThrows(RankFailedException.class, () -> run(2, TIMEOUT, comm -> {
            if (comm.rank() == 0) {
                comm.send(new float[3], 0, 3, 1, 0);
            } else {
                comm.recv(new float[2], 0, 2, 0, 0);
            }
            return null;
        }));
        assertInstanceOf(CommunicationException.class, e.getCause());
    }
}
