package org.spatialconv.conv.cuda;

/**
 * Scratch device memory that grows on demand (workspaces, staging): one leak-checked {@link DeviceBuffer} at a time,
 * replaced by a larger one when a call needs more. Replacing waits for the context first, since queued work may
 * still use the old buffer.
 */
final class GrowingBuffer implements AutoCloseable {
    private final CudaContext context;
    private DeviceBuffer buffer;

    GrowingBuffer(CudaContext context) {
        this.context = context;
    }

    /** At least {@code floats} floats (at least one); contents undefined. */
    DeviceArray atLeast(long floats) {
        long want = Math.max(1, floats);
        if (buffer == null || buffer.floats() < want) {
            if (buffer != null) {
                context.synchronize();
                buffer.close();
                buffer = null;
            }
            buffer = context.allocate(want);
        }
        return buffer;
    }

    @Override
    public void close() {
        if (buffer != null) {
            buffer.close();
            buffer = null;
        }
    }
}
