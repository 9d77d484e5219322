package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The selection logic with fake engines: each has a fixed time, result and set of problems it refuses. */
class EngineSelectorTest {
    private static final List<String> KNOWN = List.of("custom", "cudnn", "cublas");
    private static final float[] RESULT = {1f, -2f, 3f, 0.5f};

    /** Fake trials: per engine a time, an optional result perturbation, refused keys and failures; logs runs. */
    private static final class Fakes implements EngineSelector.Trials<String> {
        final Map<String, Double> millis = new HashMap<>();
        final Map<String, Float> offset = new HashMap<>();
        final Map<String, String> refuses = new HashMap<>();
        final Map<String, String> fails = new HashMap<>();
        final List<String> runs = new ArrayList<>();

        Fakes time(String engine, double ms) {
            millis.put(engine, ms);
            return this;
        }

        @Override
        public Optional<String> unsupported(String engine, String key) {
            return key.equals(refuses.get(engine)) ? Optional.of("refused " + key) : Optional.empty();
        }

        @Override
        public EngineSelector.Trial run(String engine, String key) {
            runs.add(engine + "@" + key);
            if (fails.containsKey(engine)) {
                throw new IllegalStateException(fails.get(engine));
            }
            float[] r = RESULT.clone();
            r[0] += offset.getOrDefault(engine, 0f);
            return new EngineSelector.Trial(r, millis.getOrDefault(engine, 1.0));
        }
    }

    private static EngineSelector<String> auto(Map<String, String> unusable) {
        return new EngineSelector<>("custom", KNOWN, unusable, EngineSelector.Policy.AUTO);
    }

    @Test
    void fastestAcceptedEngineWinsAndIsCached() {
        Fakes f = new Fakes().time("custom", 2.0).time("cudnn", 0.5).time("cublas", 1.0);
        EngineSelector<String> s = auto(Map.of());
        EngineSelector.Choice c = s.choose("conv1", f);
        assertEquals("cudnn", c.engine());
        assertEquals(List.of("custom@conv1", "cudnn@conv1", "cublas@conv1"), f.runs);
        assertEquals("2.000 ms", c.verdicts().get("custom"));
        assertTrue(c.verdicts().get("cudnn").startsWith("0.500 ms, rel L2 0.00e+00"), c.describe());
        assertSame(c, s.choose("conv1", f), "second call must reuse the choice");
        assertEquals(3, f.runs.size(), "no new trials for a cached key");
        f.time("cublas", 0.1);
        assertEquals("cublas", s.choose("conv2", f).engine(), "another key is measured anew");
        assertEquals(6, f.runs.size());
        assertEquals(2, s.choices().size());
    }

    @Test
    void tieGoesToTheReference() {
        Fakes f = new Fakes().time("custom", 1.0).time("cudnn", 1.0).time("cublas", 1.5);
        assertEquals("custom", auto(Map.of()).choose("k", f).engine());
    }

    @Test
    void engineWhoseResultDiffersIsRejectedEvenIfFaster() {
        Fakes f = new Fakes().time("custom", 2.0).time("cudnn", 0.1).time("cublas", 1.0);
        f.offset.put("cudnn", 1e-3f); // relative L2 about 2.6e-4, far above 1e-5
        f.offset.put("cublas", 1e-7f); // float32 rounding-sized: accepted
        EngineSelector.Choice c = auto(Map.of()).choose("k", f);
        assertEquals("cublas", c.engine());
        assertTrue(c.verdicts().get("cudnn").startsWith("rejected: relative L2 2."), c.describe());
        assertTrue(c.verdicts().get("cublas").contains("rel L2"), c.describe());
    }

    @Test
    void failingAndRefusingEnginesAreSkippedWithTheirReasons() {
        Fakes f = new Fakes().time("custom", 2.0).time("cudnn", 0.1).time("cublas", 1.0);
        f.fails.put("cudnn", "CUDNN_STATUS_NOT_SUPPORTED");
        f.refuses.put("cublas", "k");
        EngineSelector.Choice c = auto(Map.of()).choose("k", f);
        assertEquals("custom", c.engine());
        assertEquals("failed: CUDNN_STATUS_NOT_SUPPORTED", c.verdicts().get("cudnn"));
        assertEquals("not for this problem: refused k", c.verdicts().get("cublas"));
        assertEquals(List.of("custom@k", "cudnn@k"), f.runs, "a refused engine is not run");
    }

    @Test
    void onlyTheReferenceMeansNoTrialAtAll() {
        Fakes f = new Fakes();
        EngineSelector<String> s = auto(Map.of("cudnn", "libcudnn.so.8 missing", "cublas", "libcublas.so.12 missing"));
        assertEquals(List.of("custom"), s.usable());
        EngineSelector.Choice c = s.choose("k", f);
        assertEquals("custom", c.engine());
        assertTrue(f.runs.isEmpty(), "trials ran: " + f.runs);
        assertEquals("not usable: libcudnn.so.8 missing", c.verdicts().get("cudnn"));
        assertEquals("custom (custom: only candidate; cudnn: not usable: libcudnn.so.8 missing; cublas: not usable: "
                + "libcublas.so.12 missing)", c.describe());
    }

    @Test
    void referenceTrialFailureKeepsTheReference() {
        Fakes f = new Fakes().time("cudnn", 0.1);
        f.fails.put("custom", "CUDA_ERROR_OUT_OF_MEMORY");
        EngineSelector.Choice c = auto(Map.of()).choose("k", f);
        assertEquals("custom", c.engine());
        assertTrue(c.verdicts().get("custom").contains("CUDA_ERROR_OUT_OF_MEMORY"), c.describe());
    }

    @Test
    void forcedEngineIsUsedEvenWhenSlowerButMustAgree() {
        Fakes f = new Fakes().time("custom", 1.0).time("cudnn", 5.0);
        EngineSelector.Policy force = EngineSelector.Policy.parse("cudnn", null);
        EngineSelector<String> s = new EngineSelector<>("custom", KNOWN, Map.of(), force);
        EngineSelector.Choice c = s.choose("k", f);
        assertEquals("cudnn", c.engine());
        assertTrue(c.verdicts().get("cudnn").contains("forced by spatialconv.conv.engine=cudnn"), c.describe());
        assertEquals(List.of("custom@k", "cudnn@k"), f.runs, "cublas is not considered when cudnn is forced");

        f.offset.put("cudnn", 0.1f);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.choose("k2", f));
        assertEquals("spatialconv.conv.engine=cudnn: engine cudnn differs from custom on k2: relative L2 2.65e-02 >= "
                + "1.0E-5", e.getMessage());
        f.offset.clear();
        f.fails.put("cudnn", "CUDNN_STATUS_BAD_PARAM");
        e = assertThrows(IllegalStateException.class, () -> s.choose("k3", f));
        assertEquals("spatialconv.conv.engine=cudnn: engine cudnn failed on k3: CUDNN_STATUS_BAD_PARAM", e.getMessage());
    }

    @Test
    void forcedEngineThatCannotRunAProblemIsAnErrorUnlessOnlyPreferred() {
        Fakes f = new Fakes();
        f.refuses.put("cublas", "conv3x3");
        EngineSelector<String> strict = new EngineSelector<>("custom", KNOWN, Map.of(),
                EngineSelector.Policy.parse(null, "CUBLAS"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> strict.choose("conv3x3", f));
        assertEquals("SPATIALCONV_CONV_ENGINE=cublas: engine cublas cannot run conv3x3: refused conv3x3", e.getMessage());
        EngineSelector<String> prefer = new EngineSelector<>("custom", KNOWN, Map.of(),
                EngineSelector.Policy.prefer("cublas"));
        EngineSelector.Choice c = prefer.choose("conv3x3", f);
        assertEquals("custom", c.engine());
        assertTrue(f.runs.isEmpty(), "no trial for a refused preferred engine: " + f.runs);
        assertEquals("cublas", prefer.choose("conv1x1", f).engine());
    }

    @Test
    void forcingTheReferenceRunsNoTrial() {
        Fakes f = new Fakes().time("cudnn", 0.01);
        EngineSelector<String> s = new EngineSelector<>("custom", KNOWN, Map.of(),
                EngineSelector.Policy.parse("custom", "cudnn"));
        assertEquals("custom", s.choose("k", f).engine());
        assertTrue(f.runs.isEmpty());
    }

    @Test
    void forcingAnUnusableOrUnknownEngineFailsAtOnceWithTheReason() {
        Map<String, String> missing = Map.of("cudnn", "native library did not load: libcudnn.so.8: cannot open shared "
                + "object file: No such file or directory");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new EngineSelector<String>("custom",
                KNOWN, missing, EngineSelector.Policy.parse(" cuDNN ", null)));
        assertEquals("spatialconv.conv.engine=cudnn: engine cudnn is not usable here: native library did not load: "
                + "libcudnn.so.8: cannot open shared object file: No such file or directory", e.getMessage());
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class, () -> new EngineSelector<String>(
                "custom", KNOWN, Map.of(), EngineSelector.Policy.parse("tensorrt", null)));
        assertEquals("spatialconv.conv.engine=tensorrt: unknown engine 'tensorrt' (one of auto, custom, cudnn, cublas)",
                u.getMessage());
    }

    @Test
    void policyComesFromThePropertyThenTheEnvironment() {
        assertSame(EngineSelector.Policy.AUTO, EngineSelector.Policy.parse(null, null));
        assertSame(EngineSelector.Policy.AUTO, EngineSelector.Policy.parse(" ", "auto"));
        assertSame(EngineSelector.Policy.AUTO, EngineSelector.Policy.parse("AUTO", "cudnn"));
        assertNull(EngineSelector.Policy.AUTO.engine());
        EngineSelector.Policy p = EngineSelector.Policy.parse(null, "Cublas");
        assertEquals("cublas", p.engine());
        assertEquals("SPATIALCONV_CONV_ENGINE=cublas", p.source());
        assertTrue(p.strict());
        assertEquals("spatialconv.conv.engine=custom", EngineSelector.Policy.parse("custom", "cublas").source());
    }
}
