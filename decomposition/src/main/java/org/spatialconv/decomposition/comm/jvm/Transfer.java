package org.spatialconv.decomposition.comm.jvm;

import org.spatialconv.decomposition.comm.CommunicationException;
import org.spatialconv.decomposition.comm.Request;

/** One side of a point-to-point transfer; completes when the data has been copied to the receiver. */
final class Transfer implements Request {
    private final WorldState world;
    final float[] buf;
    final int offset;
    final int count;
    private final String what;
    private boolean done;
    private CommunicationException error;

    Transfer(WorldState world, float[] buf, int offset, int count, String what) {
        if (offset < 0 || count < 0 || offset + count > buf.length) {
            throw new IllegalArgumentException(what + ": range [" + offset + ", " + (offset + count)
                    + ") outside an array of " + buf.length);
        }
        this.world = world;
        this.buf = buf;
        this.offset = offset;
        this.count = count;
        this.what = what;
    }

    /** Marks done (or failed); caller holds the world lock. */
    void completeLocked(CommunicationException e) {
        done = true;
        error = e;
        world.signalLocked();
    }

    @Override
    public void await() {
        world.lock.lock();
        try {
            world.awaitLocked(() -> done, what);
            if (error != null) {
                throw error;
            }
        } finally {
            world.lock.unlock();
        }
    }

    @Override
    public boolean isDone() {
        world.lock.lock();
        try {
            return done;
        } finally {
            world.lock.unlock();
        }
    }
}
