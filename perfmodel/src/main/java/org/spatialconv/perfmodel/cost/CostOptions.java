package org.spatialconv.perfmodel.cost;

/**
 * Options of the cost model.
 *
 * @param optimizerSlots  float32 state tensors per parameter kept by the optimizer (1: SGD with momentum,
 *                        2: Adam)
 * @param globalBatchNorm true if batch-norm statistics are reduced over all ranks (what Spatialconv's
 *                        distributed batch norm does); false for statistics per sample group, reduced only over
 *                        the ranks that split the same samples spatially (the paper's and LBANN's choice)
 */
public record CostOptions(int optimizerSlots, boolean globalBatchNorm) {
    /** SGD with momentum, global batch norm. */
    public static final CostOptions DEFAULT = new CostOptions(1, true);

    /** @throws IllegalArgumentException if optimizerSlots is negative */
    public CostOptions {
        if (optimizerSlots < 0) {
            throw new IllegalArgumentException("optimizer slots must be >= 0, got " + optimizerSlots);
        }
    }
}
