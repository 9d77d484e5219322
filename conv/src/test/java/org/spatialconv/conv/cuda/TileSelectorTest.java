package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link TileSelector}'s policies, cache and measurement logic, with fake timings (no device). */
class TileSelectorTest {
    private static final List<String> CANDIDATES = List.of("m64", "m64_pipe", "m16", "m16_pipe");
    private static final Map<String, Double> TIMES = Map.of("m64", 2.0, "m64_pipe", 1.5, "m16", 3.0, "m16_pipe", 0.9);

    @Test
    void policyParsing() {
        assertEquals(TileSelector.Policy.AUTO, TileSelector.Policy.parse(null, null));
        assertEquals(TileSelector.Policy.AUTO, TileSelector.Policy.parse(" ", ""));
        assertEquals(TileSelector.Mode.HEURISTIC, TileSelector.Policy.parse("Heuristic", "measure").mode());
        TileSelector.Policy env = TileSelector.Policy.parse(null, "measure");
        assertEquals(TileSelector.Mode.MEASURE, env.mode());
        assertEquals(TileSelector.ENV + "=measure", env.source());
        TileSelector.Policy forced = TileSelector.Policy.parse("m128n128_PIPE", null);
        assertEquals(TileSelector.Mode.FORCED, forced.mode());
        assertEquals("m128n128_pipe", forced.variant());
        assertEquals("m128n128_tf32", TileSelector.Policy.parse("m128n128_tf32", null).variant());
        assertThrows(IllegalArgumentException.class, () -> TileSelector.Policy.parse("m16_tf32", null));
        assertEquals(false, TileSelector.Policy.tf32(null, null));
        assertEquals(false, TileSelector.Policy.tf32("FP32", "tf32"));
        assertEquals(true, TileSelector.Policy.tf32(null, " tf32 "));
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> TileSelector.Policy.tf32("bf16", null));
        assertEquals(TileSelector.MATH_PROPERTY + "=bf16: unknown math mode (fp32 or tf32)", m.getMessage());
        assertTrue(TileSelector.Policy.AUTO.withTf32(true).tf32());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TileSelector.Policy.parse("m99", null));
        assertTrue(e.getMessage().startsWith(TileSelector.PROPERTY + "=m99: unknown tile policy (one of auto, "
                + "heuristic, measure, m64, m64_pipe,"), e.getMessage());
    }

    @Test
    void autoMeasuresLargeProblemsOnceAndPicksTheFastest() {
        TileSelector<String> s = new TileSelector<>(TileSelector.Policy.AUTO, true);
        List<String> timed = new ArrayList<>();
        TileSelector.Timing t = v -> {
            timed.add(v);
            return TIMES.get(v);
        };
        assertEquals("m16_pipe", s.choose("big", 1e9, () -> CANDIDATES, t));
        assertEquals(CANDIDATES, timed, "every candidate timed once, in order");
        assertEquals("m16_pipe", s.choose("big", 1e9, () -> CANDIDATES, t));
        assertEquals(4, timed.size(), "the choice is cached");
        TileSelector.Choice c = s.choices().get("big");
        assertEquals("measured", c.how());
        assertEquals("m16_pipe (measured; m64: 2.000 ms; m64_pipe: 1.500 ms; m16: 3.000 ms; m16_pipe: 0.900 ms)",
                c.describe());

        assertEquals("m64", s.choose("small", TileSelector.MIN_MEASURED_FLOPS / 2, () -> CANDIDATES, t));
        assertEquals(4, timed.size(), "a small problem is not timed under auto");
        assertTrue(s.choices().get("small").how().startsWith("heuristic (5.0e+07 FLOPs < 1e+08 measured)"),
                s.choices().get("small").how());
    }

    @Test
    void measureTimesEverySizeAndHeuristicAndForcedTimeNothing() {
        TileSelector.Timing t = TIMES::get;
        TileSelector<String> m = new TileSelector<>(TileSelector.Policy.parse("measure", null), true);
        assertEquals("m16_pipe", m.choose("tiny", 10, () -> CANDIDATES, t));
        TileSelector.Timing fail = v -> {
            throw new AssertionError("timed " + v);
        };
        TileSelector<String> h = new TileSelector<>(TileSelector.Policy.HEURISTIC, true);
        assertEquals("m64", h.choose("big", 1e12, () -> CANDIDATES, fail));
        assertTrue(h.choices().get("big").how().startsWith("heuristic (heuristic)"), h.choices().get("big").how());
        TileSelector<String> f = new TileSelector<>(TileSelector.Policy.parse("m16n256", null), true);
        assertEquals("m16n256", f.choose("big", 1e12, () -> CANDIDATES, fail), "forced even where not a candidate");
        TileSelector<String> noTimer = new TileSelector<>(TileSelector.Policy.parse("measure", null), false);
        assertEquals("m64", noTimer.choose("big", 1e12, () -> CANDIDATES, fail));
        assertTrue(noTimer.choices().get("big").how().contains("cannot be timed"));
        TileSelector<String> one = new TileSelector<>(TileSelector.Policy.AUTO, true);
        assertEquals("m16", one.choose("big", 1e12, () -> List.of("m16"), fail));
    }

    @Test
    void failedVariantsAreSkippedAndAllFailingIsAnError() {
        TileSelector<String> s = new TileSelector<>(TileSelector.Policy.AUTO, true);
        TileSelector.Timing t = v -> {
            if (v.endsWith("_pipe")) {
                throw new IllegalStateException("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES");
            }
            return TIMES.get(v);
        };
        assertEquals("m64", s.choose("k", 1e9, () -> CANDIDATES, t));
        assertEquals("failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", s.choices().get("k").verdicts().get("m16_pipe"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.choose("k2", 1e9, () -> CANDIDATES,
                v -> {
                    throw new IllegalStateException("boom " + v);
                }));
        assertTrue(e.getMessage().startsWith("every tile variant failed on k2"), e.getMessage());
        assertEquals("boom m64", e.getCause().getMessage());
        assertTrue(!s.choices().containsKey("k2"), "a failure is not cached");
    }
}
