package org.spatialconv.conv.device;

/**
 * An ordered queue of device work. Work on one stream runs in the order it was queued; work on different streams
 * (of this or another rank) may run concurrently and is ordered only by {@link #waitFor} on a {@link DeviceEvent}.
 */
public interface DeviceStream extends AutoCloseable {
    /**
     * Work queued on this stream after this call starts only once the work before {@code event}'s most recent
     * {@link DeviceEvent#record} has finished. An event never recorded imposes no wait (CUDA semantics). The event
     * may belong to another stream, rank or device of the same runtime implementation.
     */
    void waitFor(DeviceEvent event);

    /** Blocks until all work queued so far has finished; rethrows a failure of that work. */
    void synchronize();

    /** Releases the stream; queued work must have completed. */
    @Override
    void close();
}
