package org.spatialconv.conv.cpu;

/**
 * Immutable tuning of a {@link CpuBackend}.
 *
 * @param threads        worker threads (the calling thread counts as one of them)
 * @param scratchFloats  base im2col tile budget of one worker, in floats, for layers with up to 32 filters per
 *                       group (more filters allow up to 4x, see {@code Geo.budget}); a tile covers as many output
 *                       positions as fit, so scratch stays bounded however large the layer is
 * @param bandsPerThread how many row bands each worker gets on average, for load balance
 */
public record CpuConfig(int threads, int scratchFloats, int bandsPerThread) {
    /** Default base tile budget: 128 Ki floats (512 KiB), half of one core's L2 cache here; chosen by measurement. */
    public static final int DEFAULT_SCRATCH_FLOATS = 1 << 17;

    /** Validates the values. */
    public CpuConfig {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (scratchFloats < 1) {
            throw new IllegalArgumentException("scratchFloats must be >= 1, got " + scratchFloats);
        }
        if (bandsPerThread < 1) {
            throw new IllegalArgumentException("bandsPerThread must be >= 1, got " + bandsPerThread);
        }
    }

    /** Defaults for {@code threads} workers. */
    public static CpuConfig defaults(int threads) {
        return new CpuConfig(threads, DEFAULT_SCRATCH_FLOATS, 2);
    }
}
