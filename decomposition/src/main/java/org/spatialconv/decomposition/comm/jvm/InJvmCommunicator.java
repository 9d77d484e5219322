package org.spatialconv.decomposition.comm.jvm;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.spatialconv.decomposition.comm.CommunicationException;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.Request;

/**
 * One rank's view of an in-JVM communicator. Point-to-point transfers are rendezvous: whichever side is posted
 * second copies the floats straight from the sender's array into the receiver's (outside the lock) and
 * completes both requests, so a send buffer must stay untouched until its request is done, as in MPI.
 * An instance is used by one thread at a time (its rank's, or a helper thread it is handed to).
 */
public final class InJvmCommunicator implements Communicator {
    private final Context ctx;
    private final int rank;
    /** Number of collectives this rank has entered; the same on every rank for the same call. */
    private long collectiveCount;
    private volatile boolean closed;
    private final boolean fromSplit;

    InJvmCommunicator(Context ctx, int rank) {
        this(ctx, rank, false);
    }

    private InJvmCommunicator(Context ctx, int rank, boolean fromSplit) {
        this.ctx = ctx;
        this.rank = rank;
        this.fromSplit = fromSplit;
        if (fromSplit) {
            ctx.world.openSubs.incrementAndGet();
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return ctx.size();
    }

    /** World rank of this rank (used in failure messages). */
    public int worldRank() {
        return ctx.worldRanks[rank];
    }

    @Override
    public Duration timeout() {
        return ctx.world.timeout;
    }

    @Override
    public Request isend(float[] buf, int offset, int count, int dest, int tag) {
        checkPeer(dest, "destination");
        Transfer send = new Transfer(ctx.world, buf, offset, count,
                "send of " + count + " floats from rank " + rank + " to rank " + dest + " tag " + tag);
        post(new Context.Key(rank, dest, tag), send, ctx.sends, ctx.recvs, true);
        return send;
    }

    @Override
    public Request irecv(float[] buf, int offset, int count, int source, int tag) {
        checkPeer(source, "source");
        Transfer recv = new Transfer(ctx.world, buf, offset, count,
                "receive of " + count + " floats by rank " + rank + " from rank " + source + " tag " + tag);
        post(new Context.Key(source, rank, tag), recv, ctx.recvs, ctx.sends, false);
        return recv;
    }

    /** Queues {@code mine} or, if its counterpart is already queued, copies and completes both. */
    private void post(Context.Key key, Transfer mine, java.util.Map<Context.Key, ArrayDeque<Transfer>> myQueues,
            java.util.Map<Context.Key, ArrayDeque<Transfer>> otherQueues, boolean iAmSender) {
        Transfer other;
        ctx.world.lock.lock();
        try {
            checkOpen();
            ctx.world.checkLocked();
            ArrayDeque<Transfer> q = otherQueues.get(key);
            other = q == null ? null : q.pollFirst();
            if (other == null) {
                myQueues.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(mine);
                return;
            }
        } finally {
            ctx.world.lock.unlock();
        }
        Transfer send = iAmSender ? mine : other;
        Transfer recv = iAmSender ? other : mine;
        CommunicationException error = null;
        if (send.count != recv.count) {
            error = new CommunicationException("rank " + key.source() + " sent " + send.count + " floats with tag "
                    + key.tag() + " but rank " + key.dest() + " expected " + recv.count);
        } else {
            System.arraycopy(send.buf, send.offset, recv.buf, recv.offset, send.count);
        }
        ctx.world.lock.lock();
        try {
            send.completeLocked(error);
            recv.completeLocked(error);
        } finally {
            ctx.world.lock.unlock();
        }
    }

    /**
     * Every rank contributes one value and receives all of them, indexed by rank. The slot is dropped once all
     * ranks have read it, so consecutive collectives never share state.
     */
    private Object[] allGather(Object value, String what) {
        long id = collectiveCount++;
        ctx.world.lock.lock();
        try {
            checkOpen();
            Context.Slot slot = ctx.collectives.computeIfAbsent(id, k -> new Context.Slot(ctx.size()));
            slot.values[rank] = value;
            slot.arrived++;
            ctx.world.signalLocked();
            ctx.world.awaitLocked(() -> slot.arrived == ctx.size(), what + " on rank " + rank);
            slot.departed++;
            if (slot.departed == ctx.size()) {
                ctx.collectives.remove(id);
            }
            return slot.values;
        } finally {
            ctx.world.lock.unlock();
        }
    }

    private record Slice(float[] buf, int offset, int count) {
    }

    @Override
    public void allreduceSum(float[] buf, int offset, int count) {
        if (offset < 0 || count < 0 || offset + count > buf.length) {
            throw new IllegalArgumentException("allreduce range outside the array");
        }
        Object[] all = allGather(new Slice(buf, offset, count), "allreduce");
        int p = size();
        for (Object o : all) {
            if (((Slice) o).count != count) {
                throw new CommunicationException("allreduce counts differ between ranks: " + count + " vs "
                        + ((Slice) o).count);
            }
        }
        // Each rank reduces one chunk in rank order 0..p-1: fixed order, so bit-identical results everywhere.
        int lo = (int) ((long) count * rank / p);
        int hi = (int) ((long) count * (rank + 1) / p);
        float[] part = new float[hi - lo];
        for (Object o : all) {
            Slice s = (Slice) o;
            for (int i = 0; i < part.length; i++) {
                part[i] += s.buf[s.offset + lo + i];
            }
        }
        Object[] parts = allGather(part, "allreduce");
        for (int r = 0; r < p; r++) {
            float[] q = (float[]) parts[r];
            System.arraycopy(q, 0, buf, offset + (int) ((long) count * r / p), q.length);
        }
        // Nobody may return (and overwrite its buffer) before everyone has copied the parts out.
        allGather(null, "allreduce");
    }

    @Override
    public void broadcast(float[] buf, int offset, int count, int root) {
        checkPeer(root, "root");
        Object[] all = allGather(new Slice(buf, offset, count), "broadcast from " + root);
        Slice src = (Slice) all[root];
        if (src.count != count) {
            throw new CommunicationException("broadcast counts differ: root has " + src.count + ", rank " + rank
                    + " expects " + count);
        }
        if (rank != root) {
            System.arraycopy(src.buf, src.offset, buf, offset, count);
        }
        // The root must not modify its buffer until every rank has copied it.
        allGather(null, "broadcast from " + root);
    }

    @Override
    public void barrier() {
        allGather(null, "barrier");
    }

    private record SplitVote(int color, int key, int rank, AtomicReference<Context> cell) {
    }

    @Override
    public Communicator split(int color, int key) {
        if (color < 0) {
            throw new IllegalArgumentException("split color must be >= 0, got " + color);
        }
        Object[] all = allGather(new SplitVote(color, key, rank, new AtomicReference<>()), "split");
        List<SplitVote> members = new ArrayList<>();
        for (Object o : all) {
            SplitVote v = (SplitVote) o;
            if (v.color == color) {
                members.add(v);
            }
        }
        members.sort(Comparator.comparingInt(SplitVote::key).thenComparingInt(SplitVote::rank));
        int[] worldRanks = new int[members.size()];
        int myRank = -1;
        for (int i = 0; i < worldRanks.length; i++) {
            worldRanks[i] = ctx.worldRanks[members.get(i).rank];
            if (members.get(i).rank == rank) {
                myRank = i;
            }
        }
        // Every member reads the first member's cell, so they all share one context.
        AtomicReference<Context> cell = members.get(0).cell;
        cell.compareAndSet(null, new Context(ctx.world, worldRanks));
        return new InJvmCommunicator(cell.get(), myRank, true);
    }

    @Override
    public void abort(Throwable cause) {
        ctx.world.fail(worldRank(), cause);
    }

    /** Closes this rank's view; a communicator from {@link #split} counts as released (see InJvmWorld's leak check). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (fromSplit) {
            ctx.world.openSubs.decrementAndGet();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("communicator of rank " + rank + " is closed");
        }
    }

    private void checkPeer(int peer, String what) {
        if (peer < 0 || peer >= size()) {
            throw new IllegalArgumentException(what + " " + peer + " outside communicator of size " + size());
        }
    }
}
