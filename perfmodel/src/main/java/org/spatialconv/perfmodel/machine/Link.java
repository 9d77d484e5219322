package org.spatialconv.perfmodel.machine;

/**
 * A point-to-point link in the α-β model: a message of {@code b} bytes takes {@code alphaS + b / bandwidth}.
 *
 * @param alphaS    latency per message, seconds
 * @param bandwidth bytes/s per direction; inside a node per rank, between nodes per node (shared by its ranks)
 */
public record Link(double alphaS, double bandwidth) {
    /** @throws IllegalArgumentException if a value is out of range */
    public Link {
        if (!(alphaS >= 0) || !(bandwidth > 0)) {
            throw new IllegalArgumentException("link: alpha must be >= 0 and bandwidth > 0, got " + alphaS + ", "
                    + bandwidth);
        }
    }

    /** β, seconds per byte. */
    public double beta() {
        return 1.0 / bandwidth;
    }
}
