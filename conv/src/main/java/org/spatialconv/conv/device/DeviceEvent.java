package org.spatialconv.conv.device;

/** A marker in a stream's work, for ordering other streams ({@link DeviceStream#waitFor}) or the host. */
public interface DeviceEvent extends AutoCloseable {
    /** Marks the current end of {@code stream}'s queued work; replaces the previous record. */
    void record(DeviceStream stream);

    /** Blocks until the work before the most recent record has finished (returns at once if never recorded). */
    void synchronize();

    /** Releases the event. */
    @Override
    void close();
}
