package org.spatialconv.perfmodel.cost;

/**
 * Predicted cost of one layer under one grid, per rank (the slowest rank: the largest block).
 *
 * @param grid           the distribution
 * @param fwdCompute     forward compute, seconds
 * @param bwdCompute     backward compute (data and filter), seconds
 * @param haloFwd        forward halo exchange, seconds (before overlap)
 * @param haloBwd        backward halo exchange, seconds (before overlap)
 * @param fwd            forward time with overlap: {@code max(T_interior, T_halo) + T_boundary}
 * @param bwd            backward time with overlap
 * @param collective     batch-norm statistics / loss allreduces on the critical path, seconds
 * @param gradBytes      bytes of this layer's weight gradients (allreduced, overlappable with backward)
 * @param haloBytes      bytes received per forward halo exchange
 * @param keptBytes      bytes kept for backward (output block, input halos)
 * @param transientBytes bytes needed only while the layer runs (workspace, gradient buffers)
 */
public record LayerCost(Grid grid, double fwdCompute, double bwdCompute, double haloFwd, double haloBwd,
        double fwd, double bwd, double collective, long gradBytes, long haloBytes, long keptBytes,
        long transientBytes) {

    /** Time on the critical path of the iteration (forward + backward + collectives), seconds. */
    public double time() {
        return fwd + bwd + collective;
    }

    /** Communication time (halo + collectives, before overlap), seconds. */
    public double communication() {
        return haloFwd + haloBwd + collective;
    }

    /** Combined forward + backward compute, seconds. */
    public double compute() {
        return fwdCompute + bwdCompute;
    }
}
