package org.spatialconv.conv;

/**
 * Immutable options a backend is created with.
 *
 * @param threads worker threads for this backend instance (per rank), at least 1
 * @param device  device ordinal for accelerator backends; ignored by the CPU backend
 */
public record BackendOptions(int threads, int device) {
    /** Validates the values. */
    public BackendOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (device < 0) {
            throw new IllegalArgumentException("device must be >= 0, got " + device);
        }
    }

    /** {@code threads} workers on device 0. */
    public static BackendOptions threads(int threads) {
        return new BackendOptions(threads, 0);
    }
}
