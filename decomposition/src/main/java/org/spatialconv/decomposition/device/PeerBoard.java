package org.spatialconv.decomposition.device;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.spatialconv.decomposition.comm.CommunicationException;

/**
 * Where ranks of one JVM hand each other device buffers and events for {@link PeerCopyTransport}: a table of
 * single-use entries, put by one rank and taken (waiting) by another. Every wait gives up after the timeout, and
 * {@link #fail} releases every waiter at once with the failed rank's cause, so a failed rank never hangs the rest.
 */
public final class PeerBoard {
    private final int ranks;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Object, Object> entries = new HashMap<>();
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
