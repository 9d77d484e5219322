package org.spatialconv.decomposition.comm;

/** A pending non-blocking transfer. */
public interface Request {
    /**
     * Waits for completion.
     *
     * @throws CommunicationException on timeout or when a peer has failed
     */
    void await();

    /** True once the transfer has completed (never blocks). */
    boolean isDone();
}
