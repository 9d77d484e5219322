package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GpuBenchmark} end to end at toy sizes on the emulated CUDA driver, so that the first run on a (scarce) GPU
 * does not fail on the benchmark's own code: every pass, the engine selection, the pack/unpack case and the JSON.
 * The numbers mean nothing here; only that each is a positive finite number. Emulated driver only; where the
 * emulated cuDNN and cuBLAS are loaded too (the {@code emulated-fast-paths} run), the selection's trials run.
 * Also the bundle's last step: {@code native/bench/compare.py} reading that JSON beside a peer's.
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
        for (String key : List.of("fwd_gflops", "bwd_data_gflops", "bwd_filter_gflops", "fwd_tf32_gflops",
                "bwd_data_tf32_gflops")) {
            List<Double> v = GpuTests.jsonNumbers(s, key);
            assertEquals(2, v.size(), key + " per shape in " + s);
            v.forEach(x -> assertTrue(x > 0 && Double.isFinite(x), key + "=" + x));
        }
        for (String key : List.of("pack_gbps", "unpack_gbps", "unpack_accumulate_gbps", "d2d_copy_gbps")) {
            List<Double> v = GpuTests.jsonNumbers(s, key);
            assertEquals(1, v.size(), key);
            assertTrue(v.get(0) > 0 && Double.isFinite(v.get(0)), key + "=" + v.get(0));
        }
        // These tiny problems keep the heuristic tile under the default policy, and say so per pass.
        assertEquals(2, count(s, "\"tiles\":{\"forward\":\"m16 (heuristic ("), s);
        assertEquals(2, count(s, "\"backward-data\":\"m16 (heuristic ("), s);
        assertEquals(2, count(s, "\"backward-filter\":\"m16 (heuristic ("), s);
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

    @Test
    void comparisonScriptReadsTheBenchmarkJson(@TempDir Path dir) throws Exception {
        // the repository's copy (conv's tests run in conv/), or the bundle's (its run-gpu-tests names its folder)
        Path script = Path.of(System.getProperty("spatialconv.test.benchScripts", "../native/bench"), "compare.py")
                .toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isRegularFile(script), "compare.py not found at " + script);
        Assumptions.assumeTrue(python3Runs(), "python3 (with its json module) is not on the PATH");
        // The peer script cannot run without a CUDA-enabled PyTorch; at least it must compile.
        Path peerScript = script.resolveSibling("cudnn_peer.py");
        Result parsed = python("-c", "import ast, sys; [ast.parse(open(f).read(), f) for f in sys.argv[1:]]",
                script.toString(), peerScript.toString());
        assertEquals(0, parsed.status, parsed.out);
        Path ours = dir.resolve("spatialconv.json");
        GpuBenchmark.main(new String[] {"--shape", "1,3,9,10,4,3", "--pack", "1,2,6,7", "--iterations", "2",
            "--warmup", "1", "--json", ours.toString()});
        String s = Files.readString(ours);
        double[] gflops = {GpuTests.jsonNumbers(s, "fwd_gflops").get(0), GpuTests.jsonNumbers(s, "bwd_data_gflops").get(0),
            GpuTests.jsonNumbers(s, "bwd_filter_gflops").get(0), GpuTests.jsonNumbers(s, "fwd_tf32_gflops").get(0),
            GpuTests.jsonNumbers(s, "bwd_data_tf32_gflops").get(0)};
        // A peer 4x faster: every pass misses the 0.5 bar, and the script says so in its exit status.
        Result slow = python(script.toString(), ours.toString(), peer(dir.resolve("fast-peer.json"), gflops, 4).toString());
        assertEquals(1, slow.status, slow.out);
        assertEquals(3, count(slow.out, "| 0.25 | FAIL |"), slow.out);
        // A peer half as fast: every pass meets it.
        Result fast = python(script.toString(), ours.toString(), peer(dir.resolve("slow-peer.json"), gflops, 0.5).toString());
        assertEquals(0, fast.status, fast.out);
        assertEquals(3, count(fast.out, "| 2.00 | pass |"), fast.out);
        assertTrue(fast.out.contains("| 1,3,9,10 / 4 / 3 | fwd |"), fast.out);
        // The TF32 table (informational): ours against the peer's TF32 numbers, which are half ours here too.
        assertTrue(fast.out.contains("TF32 (opt-in"), fast.out);
        assertEquals(5, count(fast.out, "| 2.00 |"), "3 float32 passes and 2 TF32 ones: " + fast.out);
        assertTrue(fast.out.contains("(bar 80%)"), fast.out);
        assertTrue(fast.out.contains("- custom: usable"), fast.out);
        assertEquals(3, count(fast.out, "| 1,3,9,10 / 4 / 3 | forward |") + count(fast.out, "| backward-data |")
                + count(fast.out, "| backward-filter |"), fast.out);
    }

    private record Result(int status, String out) {
    }

    /** A peer JSON (as cudnn_peer.py writes it) for the shape 1,3,9,10,4,3 at {@code factor} times our GFLOP/s. */
    private static Path peer(Path file, double[] gflops, double factor) throws IOException {
        Files.writeString(file, String.format(Locale.ROOT, "{\"engine\":\"pytorch-cudnn\",\"device\":\"test peer\","
                + "\"torch\":\"0\",\"cudnn\":0,\"iterations\":1,\"shapes\":[{\"n\":1,\"c\":3,\"h\":9,\"w\":10,\"k\":4,"
                + "\"r\":3,\"fwd_gflops\":%.17g,\"bwd_data_gflops\":%.17g,\"bwd_filter_gflops\":%.17g,"
                + "\"fwd_tf32_gflops\":%.17g,\"bwd_data_tf32_gflops\":%.17g}]}", gflops[0] * factor, gflops[1] * factor,
                gflops[2] * factor, gflops[3] * factor, gflops[4] * factor));
        return file;
    }

    /** Runs python3 with {@code args}: its exit status and output (stdout and stderr). */
    private static Result python(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 did not finish: " + cmd);
        return new Result(p.exitValue(), out);
    }

    private static boolean python3Runs() {
        try {
            return python("-c", "import json").status == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
