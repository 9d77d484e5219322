package org.spatialconv.conv.cuda;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.spatialconv.conv.Setting;
import org.spatialconv.conv.SettingException;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * Chooses, once per problem key, which engine computes it: the fastest of the usable engines that support the
 * problem and whose result on that first call equals the reference engine's (the custom kernels) within
 * {@link #TOLERANCE} relative L2. Ties go to the reference. Later calls with the same key reuse the choice.
 * A {@link Policy} may force one engine instead (for benchmarks); a forced engine that is not usable is an error
 * at construction, one that cannot run a problem or disagrees with the reference an error at that problem.
 *
 * <p>Knows nothing about devices: trials (run into scratch output, time) are delegated to {@link Trials}, so the
 * logic is tested on the CPU with fake engines.
 *
 * @param <K> problem key ({@link ConvProblem} on a GPU)
 */
public final class EngineSelector<K> {
    /** System property that forces an engine: {@code auto} (default), or an engine name. */
    public static final String PROPERTY = "spatialconv.conv.engine";
    /** Environment variable read when the property is not set. */
    public static final String ENV = "SPATIALCONV_CONV_ENGINE";
    /** Largest relative L2 difference from the reference engine's result for a candidate to be accepted. */
    public static final double TOLERANCE = 1e-5;

    /** One engine's trial: its result (from zeroed output memory) and its time per call in milliseconds. */
    public record Trial(float[] result, double millis) {
    }

    /** Runs engines on a problem; implemented on the device by {@link SelectingConv}. */
    public interface Trials<K> {
        /** Why {@code engine} cannot compute {@code key}; empty when it can. */
        Optional<String> unsupported(String engine, K key);

        /** Runs {@code engine} on {@code key} into zeroed scratch output, then times a few more runs. */
        Trial run(String engine, K key);
    }

    /**
     * The engine chosen for a key and, per engine considered, what happened: its time, or why it was skipped,
     * rejected or failed.
     */
    public record Choice(String engine, Map<String, String> verdicts) {
        /** E.g. {@code cudnn (custom: 1.204 ms; cudnn: 0.811 ms, rel L2 3.1e-07; cublas: not usable: ...)}. */
        public String describe() {
            List<String> parts = new ArrayList<>();
            verdicts.forEach((k, v) -> parts.add(k + ": " + v));
            return engine + " (" + String.join("; ", parts) + ")";
        }
    }

    /**
     * Automatic selection ({@code engine == null}) or one forced engine. {@code strict}: a problem the forced engine
     * cannot run is an error; otherwise it falls back to the reference (used by the engines' contract tests).
     *
     * @param source where the setting came from, named in errors (e.g. {@code spatialconv.conv.engine=cudnn})
     */
    public record Policy(String engine, boolean strict, String source) {
        /** Selection by measurement. */
        public static final Policy AUTO = new Policy(null, true, "default");

        /** From {@link #PROPERTY}, else {@link #ENV}, else automatic. */
        public static Policy fromSystem() {
            return parse(System.getProperty(PROPERTY), System.getenv(ENV));
        }

        /** The policy given a property value and an environment value (either may be null). */
        static Policy parse(String property, String env) {
            return Setting.read(PROPERTY, property, ENV, env)
                    .map(s -> s.value().equals("auto") ? AUTO : new Policy(s.value(), true, s.source()))
                    .orElse(AUTO);
        }

        /** Forces {@code engine} where it can run a problem, the reference elsewhere. */
        public static Policy prefer(String engine) {
            return new Policy(engine, false, "prefer " + engine);
        }
    }

    private final String reference;
    private final List<String> known;
    private final List<String> usable;
    private final Map<String, String> unusable;
    private final Policy policy;
    private final Map<K, Choice> choices = new HashMap<>();

    /**
     * @param reference the engine every other is checked against (usable, supports every problem)
     * @param known     every engine name, usable or not, in preference order for reports
     * @param unusable  engines that cannot be used here, with the reason
     * @throws IllegalArgumentException if the policy names an unknown engine
     * @throws IllegalStateException    if the policy forces an engine listed in {@code unusable}
     */
    public EngineSelector(String reference, List<String> known, Map<String, String> unusable, Policy policy) {
        if (!known.contains(reference) || unusable.containsKey(reference)) {
            throw new IllegalArgumentException("reference engine " + reference + " must be known and usable");
        }
        this.reference = reference;
        this.known = List.copyOf(known);
        this.unusable = Collections.unmodifiableMap(new LinkedHashMap<>(unusable));
        List<String> u = new ArrayList<>(known);
        u.removeAll(unusable.keySet());
        this.usable = List.copyOf(u);
        this.policy = policy;
        if (policy.engine() != null) {
            if (!known.contains(policy.engine())) {
                throw new SettingException(policy.source() + ": unknown engine '" + policy.engine()
                        + "' (one of auto, " + String.join(", ", known) + ")");
            }
            String why = unusable.get(policy.engine());
            if (why != null) {
                throw new IllegalStateException(policy.source() + ": engine " + policy.engine()
                        + " is not usable here: " + why);
            }
        }
    }

    /** The usable engines, reference first. */
    public List<String> usable() {
        return usable;
    }

    /** The engines that cannot be used here, with the reason. */
    public Map<String, String> unusable() {
        return unusable;
    }

    /** Choices made so far, per key. */
    public synchronized Map<K, Choice> choices() {
        return Map.copyOf(choices);
    }

    /** The engine for {@code key}: cached, or chosen now through {@code trials}. */
    public synchronized Choice choose(K key, Trials<K> trials) {
        Choice c = choices.get(key);
        if (c == null) {
            c = policy.engine() == null ? measure(key, trials) : forced(key, trials);
            choices.put(key, c);
        }
        return c;
    }

    private Choice forced(K key, Trials<K> trials) {
        String engine = policy.engine();
        Map<String, String> verdicts = new LinkedHashMap<>();
        if (engine.equals(reference)) {
            verdicts.put(engine, "forced by " + policy.source());
            return new Choice(engine, verdicts);
        }
        Optional<String> why = trials.unsupported(engine, key);
        if (why.isPresent()) {
            if (policy.strict()) {
                throw new IllegalStateException(policy.source() + ": engine " + engine + " cannot run " + key + ": "
                        + why.get());
            }
            verdicts.put(engine, "not for this problem: " + why.get());
            return new Choice(reference, verdicts);
        }
        Trial ref = trials.run(reference, key);
        Trial t;
        try {
            t = trials.run(engine, key);
        } catch (RuntimeException e) {
            throw new IllegalStateException(policy.source() + ": engine " + engine + " failed on " + key + ": "
                    + e.getMessage(), e);
        }
        double err = difference(t, ref);
        if (!(err < TOLERANCE)) {
            throw new IllegalStateException(policy.source() + ": engine " + engine + " differs from " + reference
                    + " on " + key + ": relative L2 " + fmt(err) + " >= " + TOLERANCE);
        }
        verdicts.put(reference, ms(ref));
        verdicts.put(engine, ms(t) + ", rel L2 " + fmt(err) + ", forced by " + policy.source());
        return new Choice(engine, verdicts);
    }

    private Choice measure(K key, Trials<K> trials) {
        Map<String, String> verdicts = new LinkedHashMap<>();
        List<String> candidates = new ArrayList<>();
        for (String e : usable) {
            if (e.equals(reference)) {
                continue;
            }
            Optional<String> why = trials.unsupported(e, key);
            if (why.isPresent()) {
                verdicts.put(e, "not for this problem: " + why.get());
            } else {
                candidates.add(e);
            }
        }
        unusable.forEach((e, why) -> verdicts.put(e, "not usable: " + why));
        if (candidates.isEmpty()) {
            verdicts.put(reference, "only candidate");
            return new Choice(reference, reorder(verdicts));
        }
        Trial ref;
        try {
            ref = trials.run(reference, key);
        } catch (RuntimeException e) {
            verdicts.put(reference, "trial failed, no selection: " + e.getMessage());
            return new Choice(reference, reorder(verdicts));
        }
        verdicts.put(reference, ms(ref));
        String best = reference;
        double bestMs = ref.millis();
        for (String e : candidates) {
            Trial t;
            try {
                t = trials.run(e, key);
            } catch (RuntimeException ex) {
                verdicts.put(e, "failed: " + ex.getMessage());
                continue;
            }
            double err = difference(t, ref);
            if (!(err < TOLERANCE)) {
                verdicts.put(e, "rejected: relative L2 " + fmt(err) + " from " + reference + " >= " + TOLERANCE);
                continue;
            }
            verdicts.put(e, ms(t) + ", rel L2 " + fmt(err));
            if (t.millis() < bestMs) {
                best = e;
                bestMs = t.millis();
            }
        }
        return new Choice(best, reorder(verdicts));
    }

    /** Verdicts in the order of the known engines, reference first, for stable reports. */
    private Map<String, String> reorder(Map<String, String> verdicts) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(reference, verdicts.get(reference));
        for (String e : known) {
            if (verdicts.containsKey(e)) {
                m.putIfAbsent(e, verdicts.get(e));
            }
        }
        return Collections.unmodifiableMap(m);
    }

    private static double difference(Trial t, Trial ref) {
        if (t.result().length != ref.result().length) {
            return Double.POSITIVE_INFINITY;
        }
        return ReferenceConv.relativeL2(t.result(), ref.result());
    }

    private static String ms(Trial t) {
        return String.format(Locale.ROOT, "%.3f ms", t.millis());
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }
}
