package org.spatialconv.conv.device;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;

/**
 * A GPU emulated on the host, for testing code written against {@link DeviceRuntime} without a device. Device
 * arrays are {@code float[]}, kernels are the CPU backend (convolution) and plain loops (pack, unpack, bias), and
 * every stream is a queue of operations that run in order, ordered across streams only by events, as on CUDA.
 * Two schedules:
 * <ul>
 *   <li>{@link Schedule#LAZY}: nothing runs until something needs it (a host synchronisation, a blocking copy, or
 *       another stream's wait on an event), and then only what that needs. A consumer that forgot to wait for an
 *       event reads the data as it was before the producer's work: missing waits fail deterministically.</li>
 *   <li>{@link Schedule#THREADED}: one thread per stream runs its work as soon as it is queued, so streams really
 *       run concurrently (races show up as they would on a device, by chance).</li>
 * </ul>
 * Every wait gives up after the timeout, so a broken dependency fails instead of hanging.
 */
public final class EmulatedGpu {
    /** When queued work runs. */
    public enum Schedule {
        /** Only when needed, on the thread that needs it. */
        LAZY,
        /** At once, on one thread per stream. */
        THREADED,
        /**
         * Lazy, but before each operation it runs, a waiting thread first runs, half of the time, the next operation
         * of a random stream of this device if that can run at once: work runs early or late at random, which
         * exposes missing waits that the lazy order happens to satisfy.
         */
        SHUFFLED
    }

    /** A fault to inject: called with the operation's name when it is queued and when it runs; may throw. */
    @FunctionalInterface
    public interface Fault {
        /** Throws to make {@code op} fail; {@code running} is false when it is being queued, true when it runs. */
        void check(String op, boolean running);
    }

    private final int id;
    private final Schedule schedule;
    private final Duration timeout;
    private final List<EmulatedStream> streams = new CopyOnWriteArrayList<>();
    private final Random random;

    /** An emulated device named {@code emulated:id}. */
    public EmulatedGpu(int id, Schedule schedule, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.id = id;
        this.schedule = schedule;
        this.timeout = timeout;
        this.random = new Random(id);
    }

    void register(EmulatedStream s) {
        streams.add(s);
    }

    void forget(EmulatedStream s) {
        streams.remove(s);
    }

    /** Under {@link Schedule#SHUFFLED}: maybe runs another stream's next operation first. */
    void stir(EmulatedStream waiting) {
        if (schedule != Schedule.SHUFFLED) {
            return;
        }
        Object[] open = streams.toArray();
        EmulatedStream pick;
        synchronized (random) {
            if (random.nextBoolean() || open.length == 0) {
                return;
            }
            pick = (EmulatedStream) open[random.nextInt(open.length)];
        }
        if (pick != waiting) {
            pick.runReadyHead();
        }
    }

    /** A new rank's runtime on this device (its own CPU backend, one thread). */
    public EmulatedRuntime newRank() {
        return newRank((op, running) -> {
        });
    }

    /** A new rank's runtime whose operations pass through {@code fault}. */
    public EmulatedRuntime newRank(Fault fault) {
        return new EmulatedRuntime(this, Backends.create("cpu", BackendOptions.threads(1)), fault);
    }

    int id() {
        return id;
    }

    Schedule schedule() {
        return schedule;
    }

    Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return "emulated:" + id + " (" + schedule.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
