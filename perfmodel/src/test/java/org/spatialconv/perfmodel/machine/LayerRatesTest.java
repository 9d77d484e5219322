package org.spatialconv.perfmodel.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.layers.Threads;

/** Measured layer rates: calibration produces them, profiles keep them, old profiles load without them. */
class LayerRatesTest {
    private static final int MEASURED_KEYS = 18; // 9 classes x fwd/bwd, less add.bwd, and alloc.fwd

    @Test
    void calibrationMeasuresEveryClassAndPass() {
        Map<String, Double> r = LayerCalibration.measure(Threads.ONE, List.of(8, 16), s -> { });
        assertEquals(MEASURED_KEYS, r.size(), r.toString());
        for (String cls : List.of("batch_norm", "activation", "concat", "pool", "upsample_nearest",
                "upsample_bilinear", "loss", "loss_ce")) {
            for (String pass : List.of("fwd", "bwd")) {
                Double v = r.get(LayerClasses.key(cls, pass));
                assertTrue(v != null && v > 0 && !v.isInfinite(), cls + "." + pass + " = " + v);
            }
        }
        assertTrue(r.get("add.fwd") > 0);
        assertTrue(r.get("alloc.fwd") > 0);
        // the same kernels with two ranks at once: every rate is measured again, per rank, as the span of the ranks'
        // runs started together and as each rank's own run (CLASS.PASS.own)
        Map<String, Double> two = LayerCalibration.measure(Threads.ONE, 2, List.of(8), s -> { });
        java.util.Set<String> keys = new java.util.HashSet<>(r.keySet());
        r.keySet().forEach(k -> keys.add(LayerClasses.ownKey(k.substring(0, k.lastIndexOf('.')),
                k.substring(k.lastIndexOf('.') + 1))));
        assertEquals(keys, two.keySet());
        assertTrue(two.values().stream().allMatch(v -> v > 0 && !v.isInfinite()), two.toString());
        // an exchange among busy ranks: nothing to wait for alone, a finite non-negative wait for two
        assertEquals(0.0, LayerCalibration.syncSeconds(Threads.ONE, 1));
        double sync = LayerCalibration.syncSeconds(Threads.ONE, 2);
        assertTrue(sync >= 0 && sync < 1, "sync " + sync);
        assertThrows(IllegalArgumentException.class, () -> LayerCalibration.measure(Threads.ONE, List.of(7),
                s -> { }));
    }

    @Test
    void profilesRoundTripRatesAndOldProfilesLoad() {
        MachineProfile base = Profiles.builtIn("lassen");
        assertTrue(base.layerRates().isEmpty());
        assertTrue(Double.isNaN(base.layerRate("batch_norm", "fwd")));
        MachineProfile p = new MachineProfile(base.name(), base.description(), true, base.device(), base.intra(),
                base.inter(), base.ranksPerNode(), base.convTable(), base.sources(),
                Map.of("batch_norm.fwd", 3e9, "loss.bwd", 1.5e9));
        MachineProfile back = Profiles.parse(Profiles.write(p), "test");
        assertEquals(p.layerRates(), back.layerRates());
        assertEquals(3e9, back.layerRate("batch_norm", "fwd"));
        assertEquals(p.layerRates(), back.withMemory(1L << 30).layerRates());
        String bad = Profiles.write(p).replace("3.0E9", "-1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Profiles.parse(bad, "x"));
        assertTrue(e.getMessage().contains("layer_rates.batch_norm.fwd"), e.getMessage());
    }
}
