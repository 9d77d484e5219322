package org.spatialconv.mpj;

import org.spatialconv.decomposition.comm.CommunicationException;
import org.spatialconv.decomposition.comm.Request;

/** A pending MPJ transfer; {@link #await()} polls with the communicator's timeout and abort channel. */
final class MpjRequest implements Request {
    private final MpjWorld world;
    private final mpi.Request req;
    private final String what;
    private final mpi.Datatype type;
    private final int expected;
    private volatile boolean done;

    /** {@code expected} is the element count a receive must deliver, or -1 for a send. */
    MpjRequest(MpjWorld world, mpi.Request req, String what, mpi.Datatype type, int expected) {
        this.world = world;
        this.req = req;
        this.what = what;
        this.type = type;
        this.expected = expected;
    }

    @Override
    public void await() {
        if (!done) {
            complete(world.await(req, what));
        }
    }

    @Override
    public boolean isDone() {
        if (!done) {
            mpi.Status st = world.locked(req::Test, what);
            if (st != null) {
                complete(st);
            }
        }
        return done;
    }

    private void complete(mpi.Status st) {
        done = true;
        if (expected >= 0) {
            // MPJ accepts a shorter message into a larger receive; the SPI demands exactly count elements.
            int got = world.locked(() -> st.Get_count(type), what);
            if (got != expected) {
                throw new CommunicationException("size mismatch " + what + ": expected " + expected
                        + " elements, the message has " + got);
            }
        }
    }
}
