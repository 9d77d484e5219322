package org.spatialconv.decomposition.comm;

/** A rank of a launched group failed; the cause is what that rank threw. */
public class RankFailedException extends CommunicationException {
    private static final long serialVersionUID = 1L;
    private final int rank;

    /** The rank {@code rank} failed with {@code cause}. */
    public RankFailedException(int rank, Throwable cause) {
        super("rank " + rank + " failed: " + cause, cause);
        this.rank = rank;
    }

    /** The (world) rank that failed first. */
    public int rank() {
        return rank;
    }
}
