package org.spatialconv.decomposition.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.conv.cuda.GpuTests;

/**
 * {@link DeviceConvBenchmark} end to end at a toy size on the emulated CUDA driver (every grid, transport and
 * overlap setting, 1 and 4 ranks on one device), so that its first run on a GPU does not fail on its own code. The
 * step times mean nothing here; only that each is a positive finite number. Emulated driver only.
 */
class DeviceConvBenchmarkSmokeTest {
    @BeforeAll
    static void requireEmulatedDriver() {
        GpuTests.requireEmulated("DeviceConvBenchmarkSmokeTest"); // a real GPU runs bundle/run-gpu-bench instead
    }

    @Test
    void timesEverySetup(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("distributed.json");
        DeviceConvBenchmark.main(new String[] {"--shape", "1,3,12,10,4,3", "--iterations", "2", "--warmup", "1",
            "--json", json.toString()});
        String s = Files.readString(json);
        assertTrue(s.contains("\"device\":\"" + GpuTests.EMULATED_NAME), s);
        List<Double> steps = GpuTests.jsonNumbers(s, "step_ms");
        assertEquals(6, steps.size(), "one step time per setup: " + s);
        steps.forEach(v -> assertTrue(v > 0 && Double.isFinite(v), "step_ms=" + v + " in " + s));
    }
}
