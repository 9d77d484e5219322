package org.spatialconv.perfmodel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest extends CliHarness {
    @Test
    void predictsAndMeasuresATinyUnet(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("v.json");
        Path csv = dir.resolve("t.csv");
        assertEquals(0, run("validate", "--model", "unet", "--sample", "32x32", "--batch", "2", "--ranks", "2",
                "--grid", "1,2,1", "--steps", "2", "--json", json.toString(), "--timeline", csv.toString()), err);
        java.util.List<String> rows = Files.readAllLines(csv);
        assertEquals("step,rank,event,ms", rows.get(0));
        assertEquals(1 + 2 * 2 * (2 * 68), rows.size()); // steps x ranks x (67 layers' fwd and bwd, start, loss)
        assertTrue(rows.get(1).startsWith("0,0,start,"), rows.get(1));
        assertTrue(rows.get(2).startsWith("0,0,enc0.conv1.fwd,"), rows.get(2));
        for (int step = 0; step < 2; step++) { // each rank's events are in order
            for (int rank = 0; rank < 2; rank++) {
                double last = -1;
                for (int e = 0; e < 136; e++) {
                    String[] f = rows.get(1 + (step * 2 + rank) * 136 + e).split(",");
                    double ms = Double.parseDouble(f[3]);
                    assertTrue(ms >= last && ms >= 0, String.join(",", f));
                    last = ms;
                }
            }
        }
        assertTrue(out.contains("iteration (input grid 1,2,1, "), out);
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertTrue(j.get("iteration").get("predicted_ms").asDouble() > 0);
        assertTrue(j.get("iteration").get("measured_ms").asDouble() > 0);
        assertEquals(68, j.get("layers").size());
        int measured = 0;
        double critical = 0;
        for (JsonNode l : j.get("layers")) {
            assertTrue(l.get("predicted_ms").asDouble() > 0, l.toString());
            assertTrue(l.get("measured_ms").isNumber() && l.get("measured_ms").asDouble() > 0, l.toString());
            // the mean over the ranks is at most the largest (per step; the medians over steps keep that order)
            double mean = l.get("measured_mean_ms").asDouble();
            assertTrue(mean > 0 && mean <= l.get("measured_largest_ms").asDouble() * (1 + 1e-9), l.toString());
            critical += l.get("measured_ms").asDouble();
            measured++;
        }
        assertEquals(68, measured);
        // the shares add up to the step less the update, per step; with 2 steps the "median" is the second step
        double step = j.get("iteration").get("steps_ms").get(1).asDouble();
        assertTrue(critical <= step * (1 + 1e-9) && critical > 0.5 * step, critical + " vs step " + step);
        assertEquals(2, j.get("iteration").get("steps_ms").size());
        assertEquals(1, j.get("iteration").get("warmup_steps").asInt());
        assertTrue(j.get("iteration").get("still_warming_up").isBoolean());
        assertTrue(out.contains("(median of 1 after 1 warm-up)"), out);
        assertEquals(j.get("iteration").get("measured_ms").asDouble(), j.get("iteration").get("fastest_ms").asDouble());
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), j.get("threads_per_rank").asInt());
        assertTrue(out.contains("layers: median |predicted - measured| / measured"), out);
        assertTrue(out.contains("(mean over ranks)"), out);
        assertTrue(out.contains("(share of the slowest rank's progress)"), out);
    }

    @Test
    void runsThePlannersPerLayerPlan() {
        assertEquals(0, run("validate", "--model", "unet", "--sample", "32x32", "--batch", "1", "--ranks", "2",
                "--steps", "1"), err);
        assertTrue(out.contains("iteration (input grid 1,"), out);
    }

    @Test
    void warmupMustLeaveATimedStep() {
        for (String w : new String[] {"3", "-1"}) {
            assertEquals(2, run("validate", "--model", "unet", "--sample", "32x32", "--batch", "2", "--ranks", "2",
                    "--steps", "3", "--warmup", w));
            assertEquals("spatialconv: error: --warmup must be >= 0 and less than --steps (3)", err.strip());
        }
    }

    @Test
    void warmUpIsDetectedWhenTheTimedStepsStillSpeedUp() {
        // ResNet-50's steps after one warm-up step, measured here (ms): the JIT was still compiling
        assertTrue(ValidateCommand.stillWarmingUp(new double[] {2621, 5127, 2398, 1195, 898, 812, 872}));
        assertTrue(ValidateCommand.stillWarmingUp(new double[] {1.3, 1.0}));
        assertFalse(ValidateCommand.stillWarmingUp(new double[] {1.1, 1.0}));
        assertFalse(ValidateCommand.stillWarmingUp(new double[] {898, 812, 872, 905, 850}));
        assertFalse(ValidateCommand.stillWarmingUp(new double[] {0.9, 1.4, 1.0})); // a slow step is load, not warm-up
        assertFalse(ValidateCommand.stillWarmingUp(new double[] {1493, 2862, 1366, 1385})); // U-Net, measured here
        assertFalse(ValidateCommand.stillWarmingUp(new double[] {5.0}));
    }

    @Test
    void gridOfWrongSizeIsOneLine(@TempDir Path dir) {
        Path json = dir.resolve("v.json");
        assertEquals(2, run("validate", "--model", "unet", "--sample", "32x32", "--batch", "2", "--ranks", "2",
                "--grid", "1,2,2", "--json", json.toString()));
        assertTrue(err.startsWith("spatialconv: error: --grid 1,2,2 has 4 ranks"), err);
        assertFalse(Files.exists(json));
    }
}
