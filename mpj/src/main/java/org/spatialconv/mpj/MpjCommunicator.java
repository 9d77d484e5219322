package org.spatialconv.mpj;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import mpi.Datatype;
import mpi.MPI;
import org.spatialconv.decomposition.comm.CommunicationException;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.Request;

/**
 * {@link Communicator} over an MPJ Express intra-communicator. Point-to-point calls map to MPJ's
 * {@code Isend}/{@code Irecv}; every wait polls {@code Test()} with a deadline and the shared abort channel (see
 * {@link MpjWorld}), because MPJ's {@code Wait} blocks forever. Collectives are built from point-to-point
 * messages on reserved tags so that they obey the same timeouts, and the allreduce sums contributions in rank
 * order, so its result is bit-identical on every rank and in every run.
 *
 * <p>The world communicator is created once per process by {@link #initWorld}; closing it finalises MPJ.
 * Communicators from {@link #split} share the world's failure state; closing them releases nothing global.
 */
public final class MpjCommunicator implements Communicator {
    private static final int TAG_REDUCE = MpjWorld.INTERNAL_TAG_BASE + 1;
    private static final int TAG_GATHER = MpjWorld.INTERNAL_TAG_BASE + 2;
    private static final int TAG_BCAST = MpjWorld.INTERNAL_TAG_BASE + 3;
    private static final int TAG_BARRIER = MpjWorld.INTERNAL_TAG_BASE + 4;
    private static final int TAG_SPLIT = MpjWorld.INTERNAL_TAG_BASE + 5;
    private static final long FINISH_AFTER_FAILURE_MS = 2_000;

    private final MpjWorld world;
    private final mpi.Intracomm comm;
    private final boolean isWorld;
    private final int rank;
    private final int size;
    private volatile boolean closed;

    private MpjCommunicator(MpjWorld world, mpi.Intracomm comm, boolean isWorld) {
        this.world = world;
        this.comm = comm;
        this.isWorld = isWorld;
        this.rank = world.locked(comm::Rank, "Rank");
        this.size = world.locked(comm::Size, "Size");
    }

    /**
     * Initialises MPJ in this process with MPJ's own start arguments ({@code rank, device configuration,
     * device name}) and returns the world communicator.
     *
     * @param mpjArgs the three arguments MPJ's {@code MPI.Init} expects
     * @param timeout how long any wait may last
     */
    public static MpjCommunicator initWorld(String[] mpjArgs, Duration timeout) {
        return initWorld(mpjArgs, timeout, null);
    }

    /**
     * As {@link #initWorld(String[], Duration)}, with a listener told (world rank, cause) when this rank aborts,
     * before any peer hears of it; launchers use it to name the rank that failed first.
     */
    public static MpjCommunicator initWorld(String[] mpjArgs, Duration timeout,
                                            java.util.function.BiConsumer<Integer, Throwable> onAbort) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        try {
            MPI.Init(mpjArgs);
        } catch (RuntimeException e) {
            throw new CommunicationException("MPJ Express failed to start: " + e, e);
        }
        return new MpjCommunicator(new MpjWorld(MPI.COMM_WORLD, timeout, onAbort), MPI.COMM_WORLD, true);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Duration timeout() {
        return world.timeout();
    }

    @Override
    public Request isend(float[] buf, int offset, int count, int dest, int tag) {
        checkRange(buf, offset, count);
        checkPeer(dest, "dest");
        checkTag(tag);
        return post(true, buf, offset, count, MPI.FLOAT, dest, tag);
    }

    @Override
    public Request irecv(float[] buf, int offset, int count, int source, int tag) {
        checkRange(buf, offset, count);
        checkPeer(source, "source");
        checkTag(tag);
        return post(false, buf, offset, count, MPI.FLOAT, source, tag);
    }

    private Request post(boolean send, Object buf, int offset, int count, Datatype type, int peer, int tag) {
        ensureOpen();
        world.checkFailed();
        String what = (send ? "sending " : "receiving ") + count + " elements " + (send ? "to" : "from")
                + " rank " + peer + " (tag " + tag + ") on rank " + rank;
        mpi.Request req = world.locked(() -> send
                ? comm.Isend(buf, offset, count, type, peer, tag)
                : comm.Irecv(buf, offset, count, type, peer, tag), what);
        return new MpjRequest(world, req, what, type, send ? -1 : count);
    }

    @Override
    public void allreduceSum(float[] buf, int offset, int count) {
        checkRange(buf, offset, count);
        ensureOpen();
        if (size == 1 || count == 0) {
            world.checkFailed();
            return;
        }
        // Reduce-scatter then allgather: rank j owns chunk j, receives every rank's copy of it and sums them in
        // rank order 0..size-1, so every element is computed by one rank in one fixed order.
        int lo = chunkStart(count, rank);
        int len = chunkStart(count, rank + 1) - lo;
        float[][] contrib = new float[size][];
        List<Request> pending = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (r == rank) {
                continue;
            }
            int rlo = chunkStart(count, r);
            int rlen = chunkStart(count, r + 1) - rlo;
            if (rlen > 0) {
                pending.add(post(true, buf, offset + rlo, rlen, MPI.FLOAT, r, TAG_REDUCE));
            }
            if (len > 0) {
                contrib[r] = new float[len];
                pending.add(post(false, contrib[r], 0, len, MPI.FLOAT, r, TAG_REDUCE));
            }
        }
        awaitAll(pending);
        if (len > 0) {
            contrib[rank] = new float[len];
            System.arraycopy(buf, offset + lo, contrib[rank], 0, len);
            for (int i = 0; i < len; i++) {
                float s = contrib[0][i];
                for (int r = 1; r < size; r++) {
                    s += contrib[r][i];
                }
                buf[offset + lo + i] = s;
            }
        }
        pending.clear();
        for (int r = 0; r < size; r++) {
            if (r == rank) {
                continue;
            }
            int rlo = chunkStart(count, r);
            int rlen = chunkStart(count, r + 1) - rlo;
            if (len > 0) {
                pending.add(post(true, buf, offset + lo, len, MPI.FLOAT, r, TAG_GATHER));
            }
            if (rlen > 0) {
                pending.add(post(false, buf, offset + rlo, rlen, MPI.FLOAT, r, TAG_GATHER));
            }
        }
        awaitAll(pending);
    }

    private int chunkStart(int count, int r) {
        return (int) ((long) count * r / size);
    }

    @Override
    public void broadcast(float[] buf, int offset, int count, int root) {
        checkRange(buf, offset, count);
        checkPeer(root, "root");
        ensureOpen();
        world.checkFailed();
        if (size == 1 || count == 0) {
            return;
        }
        if (rank == root) {
            List<Request> sends = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                if (r != root) {
                    sends.add(post(true, buf, offset, count, MPI.FLOAT, r, TAG_BCAST));
                }
            }
            awaitAll(sends);
        } else {
            post(false, buf, offset, count, MPI.FLOAT, root, TAG_BCAST).await();
        }
    }

    @Override
    public void barrier() {
        ensureOpen();
        world.checkFailed();
        if (size == 1) {
            return;
        }
        float[] token = new float[1];
        if (rank == 0) {
            List<Request> in = new ArrayList<>();
            float[] sink = new float[size];
            for (int r = 1; r < size; r++) {
                in.add(post(false, sink, r, 1, MPI.FLOAT, r, TAG_BARRIER));
            }
            awaitAll(in);
            List<Request> out = new ArrayList<>();
            for (int r = 1; r < size; r++) {
                out.add(post(true, token, 0, 1, MPI.FLOAT, r, TAG_BARRIER));
            }
            awaitAll(out);
        } else {
            post(true, token, 0, 1, MPI.FLOAT, 0, TAG_BARRIER).await();
            post(false, token, 0, 1, MPI.FLOAT, 0, TAG_BARRIER).await();
        }
    }

    @Override
    public Communicator split(int color, int key) {
        if (color < 0) {
            throw new IllegalArgumentException("split color must be >= 0, got " + color);
        }
        ensureOpen();
        world.checkFailed();
        // Exchange (color, key) with our own timed messages first: MPJ's Split blocks without a timeout, so it
        // is only entered once every rank is known to have reached this split.
        int[] mine = {color, key};
        int[] all = new int[2 * size];
        all[2 * rank] = color;
        all[2 * rank + 1] = key;
        List<Request> pending = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (r != rank) {
                pending.add(post(true, mine, 0, 2, MPI.INT, r, TAG_SPLIT));
                pending.add(post(false, all, 2 * r, 2, MPI.INT, r, TAG_SPLIT));
            }
        }
        awaitAll(pending);
        mpi.Intracomm sub = world.locked(() -> comm.Split(color, key), "splitting on rank " + rank);
        world.subOpened();
        return new MpjCommunicator(world, sub, false);
    }

    @Override
    public void abort(Throwable cause) {
        world.abort("rank " + world.worldRank() + " failed: " + describe(cause), cause);
    }

    /** Marks this process failed without messaging peers (the launcher has already told every rank). */
    public void failLocally(String message) {
        world.failLocally(message);
    }

    /** True when this process stopped because another rank (or the launcher) reported a failure. */
    public boolean failedElsewhere() {
        return world.failedElsewhere();
    }

    /** One line naming a throwable and its root cause. */
    public static String describe(Throwable t) {
        if (t == null) {
            return "aborted";
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String s = t.toString();
        return root == t ? s : s + " (caused by " + root + ")";
    }

    /**
     * Closing a communicator from {@link #split} releases nothing global. Closing the world ends with a barrier
     * and shuts MPJ down (after a failure: without the barrier, and without waiting long); it throws
     * {@link IllegalStateException} if communicators split from it are still open (a leak), after shutting down.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (!isWorld) {
            closed = true;
            world.subClosed();
            return;
        }
        try {
            if (isWorld && !world.failed()) {
                // A final barrier makes sure no peer still expects messages from us before MPJ shuts down.
                barrier();
                world.finish();
            } else if (isWorld) {
                // After a failure peers may be gone and MPJ's shutdown may block: release its threads and
                // sockets if it finishes soon, never hang the caller.
                Thread t = new Thread(() -> {
                    try {
                        world.finish();
                    } catch (RuntimeException ignored) {
                        // the job has failed already; this is cleanup only
                    }
                }, "mpj-finish-after-failure");
                t.setDaemon(true);
                t.start();
                t.join(FINISH_AFTER_FAILURE_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closed = true;
        }
        int open = world.openSubCommunicators();
        if (isWorld && open > 0) {
            throw new IllegalStateException(open + " communicator(s) from split() were not closed");
        }
    }

    private void awaitAll(List<Request> reqs) {
        for (Request r : reqs) {
            r.await();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("communicator is closed");
        }
    }

    private static void checkRange(float[] buf, int offset, int count) {
        if (buf == null) {
            throw new IllegalArgumentException("buffer is null");
        }
        if (offset < 0 || count < 0 || offset > buf.length - count) {
            throw new IllegalArgumentException("range [" + offset + ", " + offset + "+" + count
                    + ") outside buffer of length " + buf.length);
        }
    }

    private void checkPeer(int peer, String name) {
        if (peer < 0 || peer >= size) {
            throw new IllegalArgumentException(name + " " + peer + " outside [0, " + size + ")");
        }
    }

    private static void checkTag(int tag) {
        if (tag < 0 || tag >= MpjWorld.INTERNAL_TAG_BASE) {
            throw new IllegalArgumentException("tag " + tag + " outside [0, " + MpjWorld.INTERNAL_TAG_BASE + ")");
        }
    }
}
