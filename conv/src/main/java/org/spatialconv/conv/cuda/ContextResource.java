package org.spatialconv.conv.cuda;

/**
 * A driver object owned by a {@link CudaContext}: registered with the context's leak tracker once it exists
 * ({@link #track}), unusable after {@link #close()}, and released exactly once, with the context current, unless
 * the tracker already released it with the context.
 */
abstract class ContextResource implements AutoCloseable {
    /** The owning context. */
    final CudaContext context;
    private final long bytes;
    private boolean closed;

    /** A resource of {@code bytes} bytes (0 for handles) in {@code context}. */
    ContextResource(CudaContext context, long bytes) {
        this.context = context;
        this.bytes = bytes;
    }

    /** Registers this resource with the leak tracker as {@code kind}; call once the driver object exists. */
    final void track(String kind) {
        context.tracker().opened(this, kind, bytes);
    }

    /** Throws {@link IllegalStateException} naming {@code what} if this resource is closed. */
    final void requireOpen(String what) {
        if (closed) {
            throw new IllegalStateException(what + " is closed");
        }
    }

    /** Frees the driver object; called once, with the context current. */
    abstract void release();

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (context.tracker().closedResource(this, bytes)) {
            context.makeCurrent();
            release();
        }
    }
}
