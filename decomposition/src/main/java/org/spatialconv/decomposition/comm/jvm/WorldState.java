package org.spatialconv.decomposition.comm.jvm;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.spatialconv.decomposition.comm.CommunicationException;

/**
 * What all communicators of one in-JVM world share: one lock and condition (a handful of ranks contend little,
 * and one condition makes failure wake-ups trivially complete), the timeout, and the first failure.
 */
final class WorldState {
    final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    final Duration timeout;
    private int failedRank = -1;
    private Throwable failure;
    /** Communicators from {@code split} not closed yet: open ones after a successful run are a leak. */
    final java.util.concurrent.atomic.AtomicInteger openSubs = new java.util.concurrent.atomic.AtomicInteger();

    WorldState(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    /** Records the first failure and wakes every waiter. */
    void fail(int worldRank, Throwable cause) {
        lock.lock();
        try {
            if (failure == null) {
                failure = cause;
                failedRank = worldRank;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Rank of the first failure, or -1. */
    int failedRank() {
        lock.lock();
        try {
            return failedRank;
        } finally {
            lock.unlock();
        }
    }

    Throwable failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter; caller holds the lock. */
    void signalLocked() {
        changed.signalAll();
    }

    /** Throws if some rank failed; caller holds the lock. */
    void checkLocked() {
        if (failure != null) {
            throw new CommunicationException("rank " + failedRank + " failed: " + failure, failure);
        }
    }

    /**
     * Waits (holding the lock) until {@code done} holds, a rank fails, or the timeout passes.
     *
     * @param what describes the wait for the timeout message
     */
    void awaitLocked(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            checkLocked();
            if (done.getAsBoolean()) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new CommunicationException("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            try {
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommunicationException("interrupted while waiting for " + what, e);
            }
        }
    }
}
