package org.spatialconv.conv.cpu;

import java.util.Optional;
import org.spatialconv.conv.Setting;
import org.spatialconv.conv.SettingException;

/**
 * Immutable tuning of a {@link CpuBackend}.
 *
 * @param threads        worker threads (the calling thread counts as one of them)
 * @param scratchFloats  base im2col tile budget of one worker, in floats, for layers with up to 32 filters per
 *                       group (more filters allow up to 4x, see {@code Geo.budget}); a tile covers as many output
 *                       positions as fit, so scratch stays bounded however large the layer is
 * @param bandsPerThread how many row bands each worker gets on average, for load balance
 * @param algorithm      which kernels run the 3x3 stride-1 layers, see {@link Algorithm}
 */
public record CpuConfig(int threads, int scratchFloats, int bandsPerThread, Algorithm algorithm) {
    /** System property that selects the {@link Algorithm} of {@link #defaults}; it wins over the variable. */
    public static final String ALGORITHM_PROPERTY = "spatialconv.cpu.conv";
    /** Environment variable that selects the {@link Algorithm} of {@link #defaults}. */
    public static final String ALGORITHM_ENV = "SPATIALCONV_CPU_CONV";

    /**
     * How a 3x3, stride-1, dilation-1 convolution is computed (every other layer always takes im2col + SGEMM):
     * {@code AUTO} takes Winograd F(2x2,3x3) where the window is at least 64 columns wide and both channels and
     * filters per group are at least 128, or at least 64 with a window at least 128 wide (measured faster there), and
     * im2col + SGEMM otherwise; {@code GEMM} always im2col + SGEMM; {@code WINOGRAD} Winograd for every such layer.
     */
    public enum Algorithm {
        AUTO, GEMM, WINOGRAD;

        /**
         * The algorithm named by {@value #ALGORITHM_PROPERTY} or else {@value #ALGORITHM_ENV} ({@code auto},
         * {@code gemm} or {@code winograd}); {@code AUTO} where neither is set.
         *
         * @throws IllegalArgumentException naming the setting, for any other value
         */
        public static Algorithm fromSettings(String property, String env) {
            Optional<Setting> s = Setting.read(ALGORITHM_PROPERTY, property, ALGORITHM_ENV, env);
            if (s.isEmpty()) {
                return AUTO;
            }
            switch (s.get().value()) {
                case "auto":
                    return AUTO;
                case "gemm":
                    return GEMM;
                case "winograd":
                    return WINOGRAD;
                default:
                    throw new SettingException(s.get().source() + " is not a CPU convolution algorithm;"
                            + " use auto, gemm or winograd");
            }
        }
    }

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
        if (algorithm == null) {
            throw new IllegalArgumentException("algorithm must not be null");
        }
    }

    /** The automatic algorithm choice. */
    public CpuConfig(int threads, int scratchFloats, int bandsPerThread) {
        this(threads, scratchFloats, bandsPerThread, Algorithm.AUTO);
    }

    /** The same configuration with another algorithm. */
    public CpuConfig withAlgorithm(Algorithm a) {
        return new CpuConfig(threads, scratchFloats, bandsPerThread, a);
    }

    /**
     * Defaults for {@code threads} workers, with the algorithm from {@value #ALGORITHM_PROPERTY} or
     * {@value #ALGORITHM_ENV} ({@code auto} where neither is set).
     */
    public static CpuConfig defaults(int threads) {
        return new CpuConfig(threads, DEFAULT_SCRATCH_FLOATS, 2,
                Algorithm.fromSettings(System.getProperty(ALGORITHM_PROPERTY), System.getenv(ALGORITHM_ENV)));
    }
}
