package org.spatialconv.conv.cuda;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the set of native resources a context handed out and not yet closed, so closing the context with live
 * buffers is an error naming them (like Arrow's allocator). Thread-safe; independent of CUDA so its logic is
 * tested without a device.
 */
public final class ResourceTracker {
    private final Map<Object, String> open = new IdentityHashMap<>();
    private long bytes;
    private boolean closed;

    /** Records {@code resource} ({@code description} names it in leak reports) holding {@code size} bytes. */
    public synchronized void opened(Object resource, String description, long size) {
        if (closed) {
            throw new IllegalStateException("context is closed; cannot create " + description);
        }
        if (open.put(resource, description + (size > 0 ? " (" + size + " bytes)" : "")) != null) {
            throw new IllegalStateException("resource registered twice: " + description);
        }
        bytes += size;
    }

    /** Forgets {@code resource}; returns false if it was not open (a double close, which callers ignore). */
    public synchronized boolean closedResource(Object resource, long size) {
        if (open.remove(resource) == null) {
            return false;
        }
        bytes -= size;
        return true;
    }

    /** Number of open resources. */
    public synchronized int openCount() {
        return open.size();
    }

    /** Bytes held by open resources. */
    public synchronized long openBytes() {
        return bytes;
    }

    /** Descriptions of the open resources. */
    public synchronized List<String> openDescriptions() {
        return new ArrayList<>(open.values());
    }

    /**
     * Marks the tracker closed; further {@link #opened} calls fail.
     *
     * @throws IllegalStateException listing the resources still open (the tracker is closed anyway)
     */
    public synchronized void close(String owner) {
        closed = true;
        if (!open.isEmpty()) {
            List<String> d = openDescriptions();
            throw new IllegalStateException(owner + " closed with " + d.size() + " resource(s) still open ("
                    + bytes + " bytes): " + String.join(", ", d.subList(0, Math.min(d.size(), 8)))
                    + (d.size() > 8 ? ", ..." : ""));
        }
    }
}
