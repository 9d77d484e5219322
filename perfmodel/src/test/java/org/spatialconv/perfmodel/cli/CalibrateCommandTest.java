package org.spatialconv.perfmodel.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.perfmodel.machine.Host;
import org.spatialconv.perfmodel.machine.MachineProfile;
import org.spatialconv.perfmodel.machine.Profiles;

class CalibrateCommandTest extends CliHarness {
    @Test
    void writesAMeasuredProfileThatPlanReads(@TempDir Path dir) {
        Path p = dir.resolve("here.json");
        assertEquals(0, run("calibrate", "--models", "unet", "--sizes", "4,6", "--max-gflop", "0.0001",
                "--layer-sizes", "8", "--ranks", "2", "--out", p.toString()), err);
        assertTrue(err.contains("] "), "progress bar: " + err);
        MachineProfile m = Profiles.resolve(p.toString());
        assertTrue(m.measured());
        assertFalse(m.convTable().isEmpty());
        assertEquals(0, m.convTable().entries().size() % 3, "fwd, bwd_data and bwd_filter per shape");
        assertTrue(m.device().peakFlops() > 0 && m.intra().bandwidth() > 0);
        // the host: this machine's cores; alone with cores threads; the same timings with 2 ranks at once
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(cores, m.host().cores());
        assertEquals(cores, m.host().threadsPerRank());
        assertEquals(2, m.ranksPerNode());
        assertEquals(1, m.host().levels().size());
        Host.Level two = m.host().levels().get(0);
        assertEquals(2, two.ranks());
        assertEquals(Math.max(1, cores / 2), two.threadsPerRank());
        assertEquals(m.convTable().entries().size(), two.convTable().entries().size());
        // a level has every rate of the lone rank, and each also as one rank's own-run rate
        java.util.Set<String> keys = new java.util.HashSet<>(m.layerRates().keySet());
        m.layerRates().keySet().forEach(k -> keys.add(k + ".own"));
        assertEquals(keys, two.layerRates().keySet());
        assertTrue(out.contains("2 ranks at once"), out);
        assertArrayEquals(new int[] {1, 2, 4, 6}, CalibrateCommand.levels(6));
        assertArrayEquals(new int[] {1}, CalibrateCommand.levels(1));
        assertEquals(0, run("plan", "--model", "unet", "--sample", "64x64", "--batch", "2", "--gpus", "2",
                "--machine", p.toString()), err);
        assertTrue(out.contains("(calibrated)"), out);
    }

    @Test
    void badBackendIsOneLine(@TempDir Path dir) {
        Path p = dir.resolve("x.json");
        assertEquals(2, run("calibrate", "--backend", "tpu", "--models", "unet", "--sizes", "4", "--out",
                p.toString()));
        assertTrue(err.lines().anyMatch(l -> l.startsWith("spatialconv: error: backend 'tpu'")), err);
        assertFalse(Files.exists(p));
    }
}
