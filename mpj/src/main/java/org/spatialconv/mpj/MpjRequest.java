package org.spatialconv.mpj;

import org.spatialconv.decomposition.comm.Request;

/** A pending MPJ transfer; {@link #await()} polls with the communicator's timeout and abort channel. */
final class MpjRequest implements Request {
    private final MpjWorld world;
    private final mpi.Request req;
    private final String what;
    private volatile boolean done;

    MpjRequest(MpjWorld world, mpi.Request req, String what) {
        this.world = world;
        this.req = req;
        this.what = what;
    }

    @Override
    public void await() {
        if (!done) {
            world.await(req, what);
            done = true;
        }
    }

    @Override
    public boolean isDone() {
        if (!done && world.locked(req::Test, what) != null) {
            done = true;
        }
        return done;
    }
}
