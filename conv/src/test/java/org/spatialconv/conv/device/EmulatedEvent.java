package org.spatialconv.conv.device;

/** An event of the emulated device: the stream and queue position of its most recent record. */
final class EmulatedEvent implements DeviceEvent {
    /** A point in a stream's queue: the first {@code count} operations queued on {@code stream}. */
    record Mark(EmulatedStream stream, long count) {
        void await() {
            stream.awaitDone(count);
        }

        boolean passed() {
            return stream.passed(count);
        }
    }

    private final Runnable onClose;
    private volatile Mark mark;
    private volatile boolean closed;

    EmulatedEvent(Runnable onClose) {
        this.onClose = onClose;
    }

    @Override
    public void record(DeviceStream stream) {
        requireOpen();
        mark = EmulatedStream.of(stream).mark();
    }

    /** The most recent record, or null. */
    Mark mark() {
        requireOpen();
        return mark;
    }

    @Override
    public void synchronize() {
        Mark m = mark();
        if (m != null) {
            m.await();
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("event is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            onClose.run();
        }
    }
}
