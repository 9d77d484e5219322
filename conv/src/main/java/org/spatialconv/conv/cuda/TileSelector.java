package org.spatialconv.conv.cuda;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.spatialconv.conv.Setting;
import org.spatialconv.conv.SettingException;

/**
 * Chooses, once per problem key, which tile variant of the custom forward / backward-data kernels runs it
 * ({@link ConvLaunch#variantNames()}: every tile, plain and pipelined). All variants add the same products in the
 * same order, so the choice changes speed, never results. {@link Policy}:
 * <ul>
 *   <li>{@code auto} (default): on a device that can time launches, the fastest candidate by measurement for
 *       problems of at least {@link #MIN_MEASURED_FLOPS}; the heuristic tile below that (timing a tiny launch
 *       costs more than any tile can save, and its times are noise) and where nothing can be timed;</li>
 *   <li>{@code heuristic}: always {@link ConvLaunch}'s heuristic tile (the behaviour before measurement);</li>
 *   <li>{@code measure}: measure every problem, whatever its size (tests, tuning runs);</li>
 *   <li>a variant name ({@code m128n128_pipe}): that variant for every problem.</li>
 * </ul>
 * Knows nothing about devices: the timing is a {@link Timing} ({@link DeviceLaunchTimer} on a GPU), so the logic is
 * tested on the CPU.
 *
 * @param <K> problem key ({@link ConvProblem} on a GPU)
 */
public final class TileSelector<K> {
    /** System property that sets the policy: {@code auto}, {@code heuristic}, {@code measure} or a variant name. */
    public static final String PROPERTY = "spatialconv.conv.tile";
    /** Environment variable read when the property is not set. */
    public static final String ENV = "SPATIALCONV_CONV_TILE";
    /**
     * System property that sets the arithmetic the custom kernels may use: {@code fp32} (default: float32
     * throughout) or {@code tf32} (the TF32 tensor-core variants join the measured candidates).
     */
    public static final String MATH_PROPERTY = "spatialconv.conv.math";
    /** Environment variable read when {@link #MATH_PROPERTY} is not set. */
    public static final String MATH_ENV = "SPATIALCONV_CONV_MATH";
    /** Smallest problem (2 x MACs) that {@code auto} measures. */
    public static final double MIN_MEASURED_FLOPS = 1e8;

    /** Runs and times one variant on the problem at hand; milliseconds per launch. */
    @FunctionalInterface
    public interface Timing {
        double millis(String variant);
    }

    /**
     * How variants are chosen: {@code mode} and, for {@link Mode#FORCED}, the variant; {@code tf32}: whether the
     * TF32 tensor-core variants are candidates too.
     */
    public record Policy(Mode mode, String variant, String source, boolean tf32) {
        /** Measured where it pays, heuristic elsewhere, float32 only. */
        public static final Policy AUTO = new Policy(Mode.AUTO, null, "default", false);
        /** The heuristic tile everywhere. */
        public static final Policy HEURISTIC = new Policy(Mode.HEURISTIC, null, "heuristic", false);

        /**
         * From {@link #PROPERTY} (else {@link #ENV}, else {@link #AUTO}) and {@link #MATH_PROPERTY} (else
         * {@link #MATH_ENV}, else {@code fp32}).
         *
         * @throws IllegalArgumentException for a value that is not one of the documented ones
         */
        public static Policy fromSystem() {
            return parse(System.getProperty(PROPERTY), System.getenv(ENV))
                    .withTf32(tf32(System.getProperty(MATH_PROPERTY), System.getenv(MATH_ENV)));
        }

        /** This policy with the TF32 variants allowed or not. */
        public Policy withTf32(boolean allowed) {
            return new Policy(mode, variant, source, allowed);
        }

        /**
         * Whether a math setting (property value, environment value; either may be null) allows TF32.
         *
         * @throws IllegalArgumentException for a value other than {@code fp32} or {@code tf32}
         */
        static boolean tf32(String property, String env) {
            Optional<Setting> s = Setting.read(MATH_PROPERTY, property, MATH_ENV, env);
            if (s.isEmpty() || s.get().value().equals("fp32")) {
                return false;
            }
            if (s.get().value().equals("tf32")) {
                return true;
            }
            throw new SettingException(s.get().source() + ": unknown math mode (fp32 or tf32)");
        }

        /**
         * The policy for a property value and an environment value (either may be null).
         *
         * @throws IllegalArgumentException for a value that is neither a mode nor a variant name
         */
        static Policy parse(String property, String env) {
            Optional<Setting> s = Setting.read(PROPERTY, property, ENV, env);
            if (s.isEmpty()) {
                return AUTO;
            }
            String value = s.get().value();
            String source = s.get().source();
            switch (value) {
                case "auto":
                    return new Policy(Mode.AUTO, null, source, false);
                case "heuristic":
                    return new Policy(Mode.HEURISTIC, null, source, false);
                case "measure":
                    return new Policy(Mode.MEASURE, null, source, false);
                default:
                    if (!ConvLaunch.isGemmVariant(value)) {
                        throw new SettingException(source + ": unknown tile policy (one of auto, heuristic, "
                                + "measure, " + String.join(", ", ConvLaunch.variantNames()) + ", "
                                + String.join(", ", ConvLaunch.TF32_VARIANTS) + ")");
                    }
                    return new Policy(Mode.FORCED, value, source, false);
            }
        }
    }

    /** The policy's modes. */
    public enum Mode { AUTO, HEURISTIC, MEASURE, FORCED }

    /** The variant chosen for a key and, per variant tried, its time or why it failed; how it was chosen. */
    public record Choice(String variant, String how, Map<String, String> verdicts) {
        /** E.g. {@code m128n128_pipe (measured; m128n128: 1.204 ms; m128n128_pipe: 0.811 ms; ...)}. */
        public String describe() {
            StringBuilder b = new StringBuilder(variant).append(" (").append(how);
            verdicts.forEach((k, v) -> b.append("; ").append(k).append(": ").append(v));
            return b.append(')').toString();
        }
    }

    private final Policy policy;
    private final boolean canTime;
    private final Map<K, Choice> choices = new HashMap<>();

    /**
     * @param canTime whether launches can be timed here (a GPU); without, {@code auto} and {@code measure} keep
     *                the heuristic
     */
    public TileSelector(Policy policy, boolean canTime) {
        this.policy = policy;
        this.canTime = canTime;
    }

    /** The policy in force. */
    public Policy policy() {
        return policy;
    }

    /** Choices made so far, per key (measured and heuristic ones; forced ones are not recorded). */
    public synchronized Map<K, Choice> choices() {
        return Map.copyOf(choices);
    }

    /**
     * The variant for {@code key}: forced, cached, heuristic ({@code candidates.get(0)}) or measured now through
     * {@code timing}. Timing runs outside this selector's lock (it may wait for the caller's stream); two threads
     * that measure the same new key at once both measure, and the first result is kept.
     *
     * @param candidateList the variants to consider, the heuristic's first ({@link ConvLaunch#candidateVariants});
     *                      asked for only on a key's first call
     * @throws IllegalStateException if every candidate failed (the cause of the first failure attached)
     */
    public String choose(K key, double flops, Supplier<List<String>> candidateList, Timing timing) {
        if (policy.mode() == Mode.FORCED) {
            return policy.variant();
        }
        synchronized (this) {
            Choice c = choices.get(key);
            if (c != null) {
                return c.variant();
            }
        }
        List<String> candidates = candidateList.get();
        Choice c;
        boolean measure = canTime && candidates.size() > 1 && (policy.mode() == Mode.MEASURE
                || policy.mode() == Mode.AUTO && flops >= MIN_MEASURED_FLOPS);
        if (!measure) {
            String why = policy.mode() == Mode.HEURISTIC ? "heuristic (" + policy.source() + ")"
                    : !canTime ? "heuristic (launches cannot be timed here)"
                    : candidates.size() == 1 ? "heuristic (only candidate)"
                    : String.format(Locale.ROOT, "heuristic (%.2g FLOPs < %.0e measured)", flops, MIN_MEASURED_FLOPS);
            c = new Choice(candidates.get(0), why, Map.of());
        } else {
            c = measure(key, candidates, timing);
        }
        synchronized (this) {
            return choices.computeIfAbsent(key, k -> c).variant();
        }
    }

    private Choice measure(K key, List<String> candidates, Timing timing) {
        Map<String, String> verdicts = new LinkedHashMap<>();
        String best = null;
        double bestMs = Double.POSITIVE_INFINITY;
        RuntimeException firstFailure = null;
        for (String v : candidates) {
            double ms;
            try {
                ms = timing.millis(v);
            } catch (RuntimeException e) {
                verdicts.put(v, "failed: " + e.getMessage());
                firstFailure = firstFailure == null ? e : firstFailure;
                continue;
            }
            verdicts.put(v, String.format(Locale.ROOT, "%.3f ms", ms));
            if (ms < bestMs) {
                best = v;
                bestMs = ms;
            }
        }
        if (best == null) {
            throw new IllegalStateException("every tile variant failed on " + key + ": " + verdicts, firstFailure);
        }
        return new Choice(best, "measured", Collections.unmodifiableMap(verdicts));
    }
}
