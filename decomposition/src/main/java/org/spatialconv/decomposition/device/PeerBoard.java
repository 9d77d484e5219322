package org.spatialconv.decomposition.device;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.spatialconv.decomposition.comm.CommunicationException;

/**
 * Where ranks of one JVM hand each other device buffers and events for {@link PeerCopyTransport}: a table of
 * single-use entries, put by one rank and taken (waiting) by another. Every wait gives up after the timeout, and
 * {@link #fail} releases every waiter at once with the failed rank's cause, so a failed rank never hangs the rest.
 *
 * <p>It also tells, per exchange, which ranks have a channel open ({@link #opened}) and which have drained their
 * streams ({@link #drained}): after a failure a rank frees its receive buffers only once every peer that could have
 * queued a copy into them has drained ({@link #awaitDrained}), so no peer's queued copy ever writes freed memory.
 */
public final class PeerBoard {
    private final int ranks;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Object, Object> entries = new HashMap<>();
    /** Exchange and rank of every channel opened, and of every channel whose rank's streams are drained. */
    private final Set<List<Integer>> opened = new HashSet<>();
    private final Set<List<Integer>> drained = new HashSet<>();
    private Throwable failure;
    private int failedRank = -1;

    /** A board for {@code ranks} ranks whose waits give up after {@code timeout}. */
    public PeerBoard(int ranks, Duration timeout) {
        if (ranks < 1) {
            throw new IllegalArgumentException("a peer board needs at least one rank, got " + ranks);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.ranks = ranks;
        this.timeout = timeout;
    }

    /** Number of ranks. */
    public int ranks() {
        return ranks;
    }

    /** Marks {@code rank} failed with {@code cause} (the first failure is kept) and wakes every waiter. */
    public void fail(int rank, Throwable cause) {
        lock.lock();
        try {
            if (failure == null) {
                failure = cause;
                failedRank = rank;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether some rank has failed. */
    public boolean failed() {
        lock.lock();
        try {
            return failure != null;
        } finally {
            lock.unlock();
        }
    }

    /** Rank {@code rank} has a channel on {@code exchange}: it may queue copies into its peers' buffers of it. */
    void opened(int exchange, int rank) {
        mark(opened, exchange, rank);
    }

    /** Rank {@code rank}'s streams are drained: none of its work can touch a peer's buffer of {@code exchange}. */
    void drained(int exchange, int rank) {
        mark(drained, exchange, rank);
    }

    private void mark(Set<List<Integer>> set, int exchange, int rank) {
        lock.lock();
        try {
            set.add(List.of(exchange, rank));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until each of {@code peers} that opened {@code exchange} has drained its streams. Unlike the other waits
     * this one ignores {@link #fail} (it is how a failed rank waits before freeing); it gives up after the timeout.
     * A peer that has not opened the exchange is not waited for: it has taken no buffer, and after a failure it can
     * take none.
     */
    void awaitDrained(int exchange, Collection<Integer> peers) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                List<Integer> busy = peers.stream().filter(p -> opened.contains(List.of(exchange, p))
                        && !drained.contains(List.of(exchange, p))).toList();
                if (busy.isEmpty()) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new CommunicationException("timed out after " + timeout.toMillis() + " ms waiting for ranks "
                            + busy + " to drain their streams before freeing the buffers of exchange " + exchange);
                }
                try {
                    changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CommunicationException("interrupted while waiting for ranks " + busy + " to drain", e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Entries put and not yet taken (none once every rank finished its calls). */
    public int pending() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }

    void put(Object key, Object value) {
        lock.lock();
        try {
            checkLocked();
            if (entries.putIfAbsent(key, value) != null) {
                throw new IllegalStateException("peer board entry " + key + " put twice");
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the entry under {@code key} and removes it. */
    Object take(Object key) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                checkLocked();
                Object v = entries.remove(key);
                if (v != null) {
                    return v;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new CommunicationException("timed out after " + timeout.toMillis() + " ms waiting for "
                            + key);
                }
                try {
                    changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CommunicationException("interrupted while waiting for " + key, e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void checkLocked() {
        if (failure != null) {
            throw new CommunicationException("rank " + failedRank + " failed: " + failure, failure);
        }
    }
}
