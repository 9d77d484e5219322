package org.spatialconv.decomposition.layer;

/** Whether a distributed layer overlaps its halo traffic with computation. */
public enum OverlapMode {
    /** Exchange first, then compute everything: the simple baseline. */
    OFF,
    /**
     * Forward: post the halo exchange, compute the interior outputs (whose windows read only owned data),
     * wait, compute the boundary strips. Backward-data: compute the halo gradients first, post their push,
     * compute the owned gradients, then add what peers pushed.
     */
    ON
}
