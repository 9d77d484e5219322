package org.spatialconv.mpj;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.spatialconv.decomposition.comm.CommunicationException;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.Request;
import org.spatialconv.mpj.launch.RankTask;

/**
 * Runs inside every rank process: checks point-to-point transfers, allreduce determinism, broadcast, barrier and
 * split over real MPJ processes. Each check throws on a mismatch (failing the launch); rank 0 writes the number of
 * checks every rank passed to the file named by the first argument. Seeded by the second argument.
 */
public class ContractTask implements RankTask {
    /** Larger than MPJ's eager/rendezvous protocol switch (128 KiB) so both protocols are exercised. */
    static final int LARGE = 300_000;
    /** The barrier check holds rank 0 back this long; others must wait at least {@link #BARRIER_MIN_MS}. */
    static final long BARRIER_HOLD_MS = 400;
    static final long BARRIER_MIN_MS = 300;

    private int checks;

    @Override
    public void run(Communicator world, List<String> args) throws Exception {
        long seed = Long.parseLong(args.get(1));
        pointToPoint(world, seed);
        allreduce(world, seed);
        broadcast(world, seed);
        barrier(world);
        split(world, seed);
        float[] total = {checks};
        world.allreduceSum(total, 0, 1);
        if (world.rank() == 0) {
            Files.writeString(Path.of(args.get(0)), "checks=" + (long) total[0] + "\n");
        }
    }

    private void pointToPoint(Communicator c, long seed) {
        int n = c.size();
        int me = c.rank();
        // Every ordered pair, three messages on one tag (order must hold) and one large message.
        List<Request> sends = new ArrayList<>();
        float[][] outs = new float[n][];
        for (int d = 0; d < n; d++) {
            if (d != me) {
                outs[d] = pattern(seed, me, d, LARGE);
                for (int k = 0; k < 3; k++) {
                    sends.add(c.isend(outs[d], k * 10, 10, d, 5));
                }
                sends.add(c.isend(outs[d], 0, LARGE, d, 6));
            }
        }
        for (int s = 0; s < n; s++) {
            if (s == me) {
                continue;
            }
            float[] expect = pattern(seed, s, me, LARGE);
            float[] small = new float[40];
            Request[] rs = new Request[3];
            for (int k = 0; k < 3; k++) {
                rs[k] = c.irecv(small, 5 + k * 10, 10, s, 5);
            }
            float[] big = new float[LARGE + 2];
            Request rb = c.irecv(big, 1, LARGE, s, 6);
            for (Request r : rs) {
                r.await();
            }
            rb.await();
            for (int k = 0; k < 30; k++) {
                check(small[5 + k] == expect[k], "p2p from " + s + " element " + k);
            }
            check(small[0] == 0 && small[35] == 0, "p2p wrote outside its range");
            for (int k = 0; k < LARGE; k++) {
                if (big[1 + k] != expect[k]) {
                    throw new IllegalStateException("large p2p from " + s + " differs at " + k);
                }
            }
            check(big[0] == 0 && big[LARGE + 1] == 0, "large p2p wrote outside its range");
        }
        for (Request r : sends) {
            r.await();
            check(r.isDone(), "isDone after await");
        }
    }

    private void allreduce(Communicator c, long seed) {
        int n = c.size();
        for (int len : new int[] {1, n - 1, 7, 1000, 100_003}) {
            if (len <= 0) {
                continue;
            }
            float[] expect = new float[len];
            for (int r = 0; r < n; r++) {
                float[] v = values(seed + len, r, len);
                for (int i = 0; i < len; i++) {
                    expect[i] = r == 0 ? v[i] : expect[i] + v[i];
                }
            }
            float[] a = new float[len + 2];
            System.arraycopy(values(seed + len, c.rank(), len), 0, a, 1, len);
            float[] b = a.clone();
            c.allreduceSum(a, 1, len);
            c.allreduceSum(b, 1, len);
            for (int i = 0; i < len; i++) {
                // Bitwise: the sum must be the rank-order sum on every rank, in every repetition.
                check(Float.floatToRawIntBits(a[1 + i]) == Float.floatToRawIntBits(expect[i]),
                        "allreduce len " + len + " element " + i + ": " + a[1 + i] + " vs rank-order " + expect[i]);
                check(Float.floatToRawIntBits(b[1 + i]) == Float.floatToRawIntBits(a[1 + i]), "repeat differs");
            }
            check(a[0] == 0 && a[len + 1] == 0, "allreduce wrote outside its range");
        }
    }

    private void broadcast(Communicator c, long seed) {
        for (int root = 0; root < c.size(); root++) {
            float[] buf = c.rank() == root ? values(seed, root, 5000) : new float[5000];
            c.broadcast(buf, 0, 5000, root);
            check(java.util.Arrays.equals(buf, values(seed, root, 5000)), "broadcast from " + root);
        }
    }

    private void barrier(Communicator c) throws InterruptedException {
        c.barrier();
        long t0 = System.nanoTime();
        if (c.rank() == 0) {
            Thread.sleep(BARRIER_HOLD_MS);
        }
        c.barrier();
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        check(waitedMs >= BARRIER_MIN_MS, "rank " + c.rank() + " left the barrier after " + waitedMs + " ms");
    }

    private void split(Communicator c, long seed) {
        int n = c.size();
        int me = c.rank();
        int color = me % 2;
        try (Communicator sub = c.split(color, -me)) {
            List<Integer> members = new ArrayList<>();
            for (int r = n - 1; r >= 0; r--) {
                if (r % 2 == color) {
                    members.add(r);
                }
            }
            check(sub.size() == members.size(), "split size " + sub.size());
            check(members.get(sub.rank()) == me, "split rank " + sub.rank() + " for world rank " + me);
            float[] v = {me};
            sub.allreduceSum(v, 0, 1);
            float expect = 0;
            for (int r : members) {
                expect += r;
            }
            check(v[0] == expect, "split allreduce " + v[0] + " vs " + expect);
            if (sub.size() > 1) {
                int next = (sub.rank() + 1) % sub.size();
                int prev = (sub.rank() + sub.size() - 1) % sub.size();
                float[] out = {me};
                float[] in = new float[1];
                Request s = sub.isend(out, 0, 1, next, 3);
                sub.recv(in, 0, 1, prev, 3);
                s.await();
                check(in[0] == members.get(prev), "split p2p got " + in[0]);
            }
            sub.barrier();
        }
        // Bad arguments are rejected before anything is sent.
        try {
            c.isend(new float[1], 0, 2, 0, 1);
            check(false, "isend past the buffer end was accepted");
        } catch (IllegalArgumentException expected) {
            checks++;
        }
    }

    private void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("check failed: " + what);
        }
        checks++;
    }

    static float[] values(long seed, int rank, int len) {
        Random rnd = new Random(seed * 1_000_003L + rank);
        float[] v = new float[len];
        for (int i = 0; i < len; i++) {
            // Mixed magnitudes make the sum order-sensitive, so a wrong order would show.
            v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
        }
        return v;
    }

    static float[] pattern(long seed, int from, int to, int len) {
        return values(seed * 31 + from * 7919L + to, from, len);
    }

    /** Used by the timeout check: a receive nobody answers must fail with a timeout, not hang. */
    static void expectTimeout(Communicator c) {
        try {
            c.recv(new float[1], 0, 1, (c.rank() + 1) % c.size(), 99);
            throw new IllegalStateException("receive without a sender returned");
        } catch (CommunicationException e) {
            if (!e.getMessage().contains("timed out")) {
                throw e;
            }
        }
    }
}
