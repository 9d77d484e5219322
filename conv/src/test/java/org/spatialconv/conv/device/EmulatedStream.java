package org.spatialconv.conv.device;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Semaphore;

/**
 * A stream of the emulated device: a queue of operations run in order, at most one at a time. Whoever needs the
 * first {@code n} operations done ({@link #awaitDone}) runs them itself unless another thread (the stream's worker
 * under {@link EmulatedGpu.Schedule#THREADED}, or a peer waiting on the same stream) is running them. A failed
 * operation makes the stream fail for good (like CUDA's sticky errors): later queuing and waiting rethrow it.
 *
 * <p>No cycle of waits can form: a wait on an event captures the event's record when it is queued, and that
 * record was queued earlier than the wait, so every stream only ever waits for work queued before its own.
 */
final class EmulatedStream implements DeviceStream {
    private final String name;
    private final EmulatedGpu gpu;
    private final Duration timeout;
    private final Runnable onClose;
    /**
     * Held while running an operation, so one runs at a time and in order. Not reentrant: a thread running an
     * operation of this stream (say, a wait that forces another stream) must never start the next one.
     */
    private final Semaphore running = new Semaphore(1);
    private final ArrayDeque<Op> queue = new ArrayDeque<>();
    private final Thread worker;
    private long queued;
    private long done;
    private RuntimeException failure;
    private boolean closed;

    /** Queued work: a body to run, or (when {@code awaited} is non-null) a wait for another stream's progress. */
    private record Op(Runnable body, EmulatedEvent.Mark awaited) {
        boolean ready() {
            return awaited == null || awaited.passed();
        }

        void run() {
            if (awaited != null) {
                awaited.await();
            } else {
                body.run();
            }
        }
    }

    EmulatedStream(String name, EmulatedGpu gpu, Runnable onClose) {
        this.name = name;
        this.gpu = gpu;
        this.timeout = gpu.timeout();
        this.onClose = onClose;
        if (gpu.schedule() == EmulatedGpu.Schedule.THREADED) {
            worker = new Thread(this::work, name);
            worker.setDaemon(true);
            worker.start();
        } else {
            worker = null;
        }
    }

    static EmulatedStream of(DeviceStream s) {
        return DeviceChecks.as(EmulatedStream.class, s, "an emulated stream");
    }

    /** Queues {@code body}; throws the stream's failure if it has failed. */
    void enqueue(Runnable body) {
        enqueue(new Op(body, null));
    }

    private synchronized void enqueue(Op op) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (failure != null) {
            throw failed();
        }
        queue.addLast(op);
        queued++;
        notifyAll();
    }

    /** The current end of the queue (for an event record). */
    synchronized EmulatedEvent.Mark mark() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        return new EmulatedEvent.Mark(this, queued);
    }

    @Override
    public void waitFor(DeviceEvent event) {
        EmulatedEvent.Mark m = DeviceChecks.as(EmulatedEvent.class, event, "an emulated event").mark();
        if (m != null) {
            enqueue(new Op(null, m));
        }
    }

    @Override
    public void synchronize() {
        long n;
        synchronized (this) {
            n = queued;
        }
        awaitDone(n);
    }

    /** Returns once the first {@code count} operations have run, running them here if nobody else is. */
    void awaitDone(long count) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            synchronized (this) {
                if (failure != null) {
                    throw failed();
                }
                if (done >= count) {
                    return;
                }
            }
            gpu.stir(this);
            if (running.tryAcquire()) {
                try {
                    // Another thread may have run what we need meanwhile: running further could wait on work that
                    // waits on this thread, so run only up to {@code count}.
                    if (!passed(count)) {
                        runOne();
                    }
                } finally {
                    running.release();
                }
                continue;
            }
            synchronized (this) {
                if (done < count && failure == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IllegalStateException(name + ": timed out after " + timeout.toMillis()
                                + " ms waiting for its queued work");
                    }
                    try {
                        wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(name + ": interrupted", ie);
                    }
                }
            }
        }
    }

    /** Whether the first {@code count} operations have run. */
    synchronized boolean passed(long count) {
        return done >= count;
    }

    /**
     * Runs the next operation if it can run without waiting (its stream is free and, for a wait, the awaited work
     * is done): early execution that {@link EmulatedGpu.Schedule#SHUFFLED} mixes in at random.
     */
    void runReadyHead() {
        if (!running.tryAcquire()) {
            return;
        }
        try {
            Op head;
            synchronized (this) {
                head = failure == null ? queue.peekFirst() : null;
            }
            if (head != null && head.ready()) {
                runOne();
            }
        } finally {
            running.release();
        }
    }

    /** Runs the next operation (caller holds {@link #running}, so the head cannot change meanwhile). */
    private void runOne() {
        Op op;
        synchronized (this) {
            op = queue.pollFirst();
            if (op == null) {
                return;
            }
        }
        RuntimeException error = null;
        try {
            op.run();
        } catch (RuntimeException e) {
            error = e;
        } catch (Error e) {
            error = new IllegalStateException(e.toString(), e);
        }
        synchronized (this) {
            done++;
            if (error != null && failure == null) {
                failure = error;
                done += queue.size();
                queue.clear();
            }
            notifyAll();
        }
    }

    private IllegalStateException failed() {
        return new IllegalStateException(name + " failed: " + failure.getMessage(), failure);
    }

    /** The worker of a threaded stream: runs whatever is queued until the stream closes. */
    private void work() {
        while (true) {
            long target;
            synchronized (this) {
                while (!closed && done == queued) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                target = queued;
            }
            try {
                awaitDone(target);
            } catch (RuntimeException e) {
                // a failure is kept as the stream's and reaches every waiter; keep serving until closed
            }
        }
    }

    /**
     * Closes the stream. Work still queued is dropped and the stream marked failed, so peers waiting on it fail at
     * once instead of timing out.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (!queue.isEmpty() && failure == null) {
                failure = new IllegalStateException(name + " closed with " + queue.size() + " queued operations");
            }
            done = queued;
            queue.clear();
            notifyAll();
        }
        if (worker != null) {
            try {
                worker.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        onClose.run();
    }

    @Override
    public String toString() {
        return name;
    }
}
