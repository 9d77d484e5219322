package org.spatialconv.perfmodel.cost;

/**
 * Options of the cost model.
 *
 * @param optimizerSlots  float32 state tensors per parameter kept by the optimizer (1: SGD with momentum,
 *                        2: Adam)
 * @param globalBatchNorm true if batch-norm statistics are reduced over all ranks (what Spatialconv's
 *                        distributed batch norm does); false for statistics per sample group, reduced only over
 *                        the ranks that split the same samples spatially (the paper's and LBANN's choice)
 * @param idleRanks       true if a layer may split the samples more ways than there are samples (some ranks then
 *                        own nothing, as when fully connected layers of a spatially split network run
 *                        sample-parallel); false for engines that need at least one sample per sample part
 * @param threadsPerRank  threads each rank runs with on a shared CPU host ({@link
 *                        org.spatialconv.perfmodel.machine.MachineProfile#sharedBy}); 0 for the host's default
 *                        (cores / ranks on it, as {@code train} and {@code validate} choose). Ignored for profiles
 *                        with a device per rank.
 * @param trainerStep     false: the gradient allreduce runs in buckets overlapped with backward (as PyTorch DDP;
 *                        the planner's model of a tuned engine) and the update is free; true: what Spatialconv's
 *                        trainer on in-JVM ranks does after backward, none of it overlapped ({@link
 *                        CostModel#trainerStepSeconds}), which {@code validate} predicts
 */
public record CostOptions(int optimizerSlots, boolean globalBatchNorm, boolean idleRanks, int threadsPerRank,
        boolean trainerStep) {
    /** SGD with momentum, global batch norm, idle ranks allowed, default threads, overlapped allreduce. */
    public static final CostOptions DEFAULT = new CostOptions(1, true, true, 0, false);

    /** Default threads per rank, overlapped allreduce. */
    public CostOptions(int optimizerSlots, boolean globalBatchNorm, boolean idleRanks) {
        this(optimizerSlots, globalBatchNorm, idleRanks, 0, false);
    }

    /** Idle ranks allowed. */
    public CostOptions(int optimizerSlots, boolean globalBatchNorm) {
        this(optimizerSlots, globalBatchNorm, true);
    }

    /** The same options with {@code idleRanks} set. */
    public CostOptions withIdleRanks(boolean allowed) {
        return new CostOptions(optimizerSlots, globalBatchNorm, allowed, threadsPerRank, trainerStep);
    }

    /** The same options with {@code threadsPerRank} set (0: the host's default). */
    public CostOptions withThreadsPerRank(int threads) {
        return new CostOptions(optimizerSlots, globalBatchNorm, idleRanks, threads, trainerStep);
    }

    /** The same options with {@code trainerStep} set. */
    public CostOptions withTrainerStep(boolean trainer) {
        return new CostOptions(optimizerSlots, globalBatchNorm, idleRanks, threadsPerRank, trainer);
    }

    /** @throws IllegalArgumentException if optimizerSlots or threadsPerRank is negative */
    public CostOptions {
        if (optimizerSlots < 0 || threadsPerRank < 0) {
            throw new IllegalArgumentException("optimizer slots and threads per rank must be >= 0, got "
                    + optimizerSlots + ", " + threadsPerRank);
        }
    }
}
