package org.spatialconv.perfmodel.cli;

import java.io.PrintWriter;

/**
 * Progress lines on standard error, shown only once a job has run for more than {@link #QUIET_NANOS} so quick
 * runs stay silent, and then at most once per {@link #INTERVAL_NANOS}.
 */
final class Progress {
    static final long QUIET_NANOS = 2_000_000_000L;
    static final long INTERVAL_NANOS = 2_000_000_000L;

    private final PrintWriter err;
    private final String label;
    private final long start = System.nanoTime();
    private long last = Long.MIN_VALUE;

    Progress(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
    }

    /** Reports {@code what} if the job has been running long enough and nothing was printed recently. */
    void update(String what) {
        long now = System.nanoTime();
        if (now - start < QUIET_NANOS || (last != Long.MIN_VALUE && now - last < INTERVAL_NANOS)) {
            return;
        }
        last = now;
        err.printf("%s: %s (%.0f s)%n", label, what, (now - start) / 1e9);
        err.flush();
    }
}
