package org.spatialconv.decomposition.exchange;

/** What a receiving rank does with the data that arrives for a box. */
public enum ExchangeMode {
    /** Overwrite: the provided boxes should be disjoint (owned blocks), as in halo exchange and shuffles. */
    COPY,
    /** Add, in ascending source-rank order so the result is deterministic: pushing halo gradients back. */
    ACCUMULATE
}
