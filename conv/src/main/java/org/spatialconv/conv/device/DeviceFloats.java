package org.spatialconv.conv.device;

/**
 * A float32 array in device memory, allocated by a {@link DeviceRuntime} and freed by {@link #close()}. Only the
 * runtime implementation that allocated it (or, for copies, a runtime of the same implementation) can use it.
 */
public interface DeviceFloats extends AutoCloseable {
    /** Capacity in floats. */
    long floats();

    /** Frees the memory; work still queued on it must have completed (synchronise first). */
    @Override
    void close();
}
