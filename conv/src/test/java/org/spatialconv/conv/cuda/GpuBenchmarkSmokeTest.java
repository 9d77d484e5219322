package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GpuBenchmark} end to end at toy sizes on the emulated CUDA driver, so that the first run on a (scarce) GPU
 * does not fail on the benchmark's own code: every pass, the engine selection, the pack/unpack case and the JSON.
 * The numbers mean nothing here; only that each is a positive finite number. Emulated driver only; where the
 * emulated cuDNN and cuBLAS are loaded too (the {@code emulated-fast-paths} run), the selection's trials run.
 */
class GpuBenchmarkSmokeTest {
    @BeforeAll
    static void requireEmulatedDriver() {
        GpuTests.requireEmulated("GpuBenchmarkSmokeTest"); // a real GPU runs bundle/run-gpu-bench instead
    }

    @Test
    void writesEveryMeasureForEachShape(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("gpu.json");
        GpuBenchmark.main(new String[] {"--shape", "1,3,9,10,4,3", "--shape", "2,5,6,7,6,3", "--pack", "1,2,6,7",
            "--iterations", "2", "--warmup", "1", "--json", json.toString()});
        String s = Files.readString(json);
        assertTrue(s.contains("\"device\":\"" + GpuTests.EMULATED_NAME), s);
        assertTrue(s.contains("\"box\":\"1x2x4x5 of 1x2x6x7\""), s);
        for (String key : List.of("fwd_gflops", "bwd_data_gflops", "bwd_filter_gflops")) {
            List<Double> v = GpuTests.jsonNumbers(s, key);
            assertEquals(2, v.size(), key + " per shape in " + s);
            v.forEach(x -> assertTrue(x > 0 && Double.isFinite(x), key + "=" + x));
        }
        for (String key : List.of("pack_gbps", "unpack_gbps", "unpack_accumulate_gbps", "d2d_copy_gbps")) {
            List<Double> v = GpuTests.jsonNumbers(s, key);
            assertEquals(1, v.size(), key);
            assertTrue(v.get(0) > 0 && Double.isFinite(v.get(0)), key + "=" + v.get(0));
        }
        boolean cudnn = OptionalLibraries.status(OptionalLibraries.CUDNN).usable();
        boolean cublas = OptionalLibraries.status(OptionalLibraries.CUBLAS).usable();
        if (!cudnn) { // cuBLAS, if usable, declines these 3x3 problems
            assertEquals(6, count(s, "\"engine\":\"custom\""), "each shape and pass selects the custom kernels: " + s);
            return;
        }
        // With the emulated cuDNN loaded (the emulated-fast-paths run): every selection is a timed trial of the custom
        // kernels against cuDNN (checked against them), and cuBLAS, where loaded too, declines these 3x3 problems.
        assertTrue(s.contains("\"cudnn\":\"usable\""), s);
        assertEquals(6, count(s, "(custom: "), "a trial per shape and pass: " + s);
        assertEquals(6, count(s, "; cudnn: "), s);
        assertEquals(cublas ? 6 : 0, count(s, "cublas: not for this problem: not a 1x1"), s);
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
