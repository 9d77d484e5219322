package org.spatialconv.conv.cuda;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Times launches for {@link TileSelector} on a private stream between CUDA events: it first waits for the caller's
 * stream (so the launch's inputs are ready and nothing it depends on is pending), then runs the launch once untimed
 * and {@value #TIMED_RUNS} times timed, and returns the median. One measurement at a time (the stream and events are
 * shared); the caller's stream is waited for before taking that turn, so a measurement never waits on another rank's
 * work while holding it.
 */
final class DeviceLaunchTimer implements AutoCloseable {
    /** Timed runs per variant after the untimed first run. */
    static final int TIMED_RUNS = 3;
    private final CudaStream stream;
    private final CudaTimer timer;

    DeviceLaunchTimer(CudaContext context) {
        this.stream = context.createStream();
        try {
            this.timer = new CudaTimer(context);
        } catch (RuntimeException e) {
            throw CudaGpu.closing(stream, e);
        }
    }

    /** Milliseconds per {@code launch} (which queues its kernels on the stream it is given). */
    double millis(CudaStream caller, Consumer<CudaStream> launch) {
        if (caller != null) {
            caller.synchronize();
        }
        synchronized (this) {
            launch.accept(stream);
            stream.synchronize();
            double[] t = new double[TIMED_RUNS];
            for (int i = 0; i < t.length; i++) {
                timer.start(stream);
                launch.accept(stream);
                t[i] = timer.stopMillis(stream);
            }
            Arrays.sort(t);
            return t[t.length / 2];
        }
    }

    @Override
    public synchronized void close() {
        try {
            timer.close();
        } finally {
            stream.close();
        }
    }
}
