package org.spatialconv.mpj;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import mpi.MPI;
import mpi.MPIException;
import mpi.Status;
import org.spatialconv.decomposition.comm.CommunicationException;

/**
 * Process-wide MPJ state shared by the world communicator and every communicator split from it: the lock that
 * serialises calls into MPJ (its devices are not documented as thread-safe), the failure flag, and the
 * out-of-band abort channel. A rank that fails sends a short abort message on a reserved tag to every world
 * rank; every wait polls the pre-posted receive of that tag, so the failure reaches blocked peers within one
 * polling interval instead of after their timeout.
 */
final class MpjWorld {
    /** Tags at or above this value are reserved for collectives and the abort channel. */
    static final int INTERNAL_TAG_BASE = 1 << 29;
    static final int ABORT_TAG = INTERNAL_TAG_BASE + 1000;
    /** Fixed abort payload size: receives must match sends exactly in MPJ, so messages are padded. */
    static final int ABORT_BYTES = 64 * 1024;
    private static final long MAX_PARK_NANOS = 50_000L;

    private final mpi.Intracomm comm;
    private final Duration timeout;
    private final Object lock = new Object();
    private final byte[] abortBuf = new byte[ABORT_BYTES];
    private mpi.Request abortRecv;
    private final java.util.function.BiConsumer<Integer, Throwable> failureListener;
    private volatile CommunicationException failure;
    private volatile boolean failedElsewhere;
    private volatile boolean finished;
    private final java.util.concurrent.atomic.AtomicInteger openSubs = new java.util.concurrent.atomic.AtomicInteger();

    MpjWorld(mpi.Intracomm comm, Duration timeout, java.util.function.BiConsumer<Integer, Throwable> listener) {
        this.comm = comm;
        this.timeout = timeout;
        this.failureListener = listener;
        synchronized (lock) {
            abortRecv = call(() -> comm.Irecv(abortBuf, 0, ABORT_BYTES, MPI.BYTE, MPI.ANY_SOURCE, ABORT_TAG),
                    "posting the abort receive");
        }
    }

    void subOpened() {
        openSubs.incrementAndGet();
    }

    void subClosed() {
        openSubs.decrementAndGet();
    }

    /** Communicators split from this world and not closed yet: closing the world with any open is a leak. */
    int openSubCommunicators() {
        return openSubs.get();
    }

    Duration timeout() {
        return timeout;
    }

    mpi.Intracomm comm() {
        return comm;
    }

    int worldRank() {
        return call(comm::Rank, "Rank");
    }

    /** Runs an MPJ call under the world lock, turning MPJ's checked exceptions into communication errors. */
    <T> T locked(MpjCall<T> call, String what) {
        synchronized (lock) {
            return call(call, what);
        }
    }

    private <T> T call(MpjCall<T> call, String what) {
        try {
            return call.run();
        } catch (RuntimeException e) {
            throw new CommunicationException("MPJ failed while " + what + ": " + e, e);
        }
    }

    /** Throws the recorded failure, polling the abort channel first. */
    void checkFailed() {
        CommunicationException f = failure;
        if (f == null && !finished) {
            synchronized (lock) {
                if (failure == null && abortRecv != null) {
                    Status st = call(abortRecv::Test, "testing the abort channel");
                    if (st != null) {
                        abortRecv = null;
                        failedElsewhere = true;
                        failure = decode(abortBuf);
                    }
                }
            }
            f = failure;
        }
        if (f != null) {
            // A fresh exception shows where this rank was waiting; its cause is the failed rank's own exception.
            throw new CommunicationException(f.getMessage(), f.getCause() != null ? f.getCause() : f);
        }
    }

    /**
     * Waits for {@code req} by polling with a bounded back-off (MPJ's own Wait blocks forever), failing on
     * timeout or as soon as any rank has aborted.
     */
    Status await(mpi.Request req, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long park = 1_000L;
        int spins = 0;
        while (true) {
            checkFailed();
            Status st = locked(req::Test, what);
            if (st != null) {
                return st;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new CommunicationException("rank " + worldRank() + ": timed out after " + timeout.toMillis()
                        + " ms " + what);
            }
            // Spin briefly for latency, then park with growing intervals so waiting ranks leave the CPU to
            // the ranks that compute (the machine may have fewer cores than ranks).
            if (spins++ < 200) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(park);
                park = Math.min(MAX_PARK_NANOS, park * 2);
            }
        }
    }

    /**
     * Records {@code message} (with {@code cause}) as this rank's failure and tells every other world rank, best
     * effort; the cause travels serialised when it can.
     */
    void abort(String message, Throwable cause) {
        synchronized (this) {
            if (failure != null) {
                // Already failed (here or elsewhere): peers have been told by whoever failed first; a second
                // message could overtake the origin's and misname the cause.
                return;
            }
            failure = new CommunicationException(message, cause);
        }
        if (failureListener != null) {
            failureListener.accept(worldRank(), cause);
        }
        byte[] payload = encode(message, cause);
        int me = worldRank();
        int size = locked(comm::Size, "Size");
        long deadline = System.nanoTime() + Math.min(timeout.toNanos(), Duration.ofSeconds(2).toNanos());
        java.util.List<mpi.Request> sends = new java.util.ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (r == me) {
                continue;
            }
            final int dest = r;
            try {
                sends.add(locked(() -> comm.Isend(payload, 0, ABORT_BYTES, MPI.BYTE, dest, ABORT_TAG), "abort"));
            } catch (CommunicationException e) {
                // A dead peer cannot be told; the launcher kills it anyway.
            }
        }
        // Give the sends a moment to leave; never block the failing rank for long.
        for (mpi.Request s : sends) {
            try {
                while (locked(s::Test, "abort send") == null && System.nanoTime() - deadline < 0) {
                    LockSupport.parkNanos(MAX_PARK_NANOS);
                }
            } catch (CommunicationException e) {
                // best effort
            }
        }
    }

    /** Marks this rank failed without telling peers (used when the launcher already told everyone). */
    void failLocally(String message) {
        if (failure == null) {
            failedElsewhere = true;
            failure = new CommunicationException(message);
        }
    }

    /** True when the recorded failure came from another rank or the launcher, not from this rank. */
    boolean failedElsewhere() {
        return failedElsewhere;
    }

    boolean failed() {
        return failure != null;
    }

    /**
     * Completes the pending abort receive with a message to self so that MPJ can shut down cleanly, then
     * finalises MPJ. Called once, after a successful final barrier.
     */
    void finish() {
        synchronized (lock) {
            if (finished) {
                return;
            }
            finished = true;
            if (abortRecv != null) {
                int me = call(comm::Rank, "Rank");
                byte[] none = new byte[ABORT_BYTES];
                mpi.Request s = call(() -> comm.Isend(none, 0, ABORT_BYTES, MPI.BYTE, me, ABORT_TAG), "closing");
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (call(abortRecv::Test, "closing") == null && System.nanoTime() - deadline < 0) {
                    LockSupport.parkNanos(MAX_PARK_NANOS);
                }
                while (call(s::Test, "closing") == null && System.nanoTime() - deadline < 0) {
                    LockSupport.parkNanos(MAX_PARK_NANOS);
                }
                abortRecv = null;
            }
            call(() -> {
                MPI.Finalize();
                return null;
            }, "finalising");
        }
    }

    /** Layout: int text length, UTF-8 text, int cause length (0: none), serialised cause; zero padded. */
    private static byte[] encode(String message, Throwable cause) {
        ByteBuffer out = ByteBuffer.allocate(ABORT_BYTES);
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(text.length, ABORT_BYTES / 4);
        out.putInt(n).put(text, 0, n);
        byte[] ser = serialise(cause);
        out.putInt(ser.length <= out.remaining() - 4 ? ser.length : 0);
        if (ser.length <= out.remaining()) {
            out.put(ser);
        }
        return out.array();
    }

    private static CommunicationException decode(byte[] buf) {
        ByteBuffer in = ByteBuffer.wrap(buf);
        int n = Math.max(0, Math.min(in.getInt(), ABORT_BYTES / 4));
        String text = new String(buf, 4, n, StandardCharsets.UTF_8);
        in.position(4 + n);
        int m = in.getInt();
        Throwable cause = null;
        if (m > 0 && m <= in.remaining()) {
            try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(buf, in.position(), m))) {
                cause = (Throwable) ois.readObject();
            } catch (IOException | ClassNotFoundException | ClassCastException e) {
                cause = null; // the text still names the rank and the cause
            }
        }
        return new CommunicationException(text, cause);
    }

    private static byte[] serialise(Throwable t) {
        if (t == null) {
            return new byte[0];
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
            oos.writeObject(t);
        } catch (IOException | RuntimeException e) {
            return new byte[0];
        }
        return bytes.toByteArray();
    }

    /** An MPJ call that may throw MPJ's checked exception. */
    @FunctionalInterface
    interface MpjCall<T> {
        T run() throws MPIException;
    }
}
