package org.spatialconv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.io.NpyFile;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * The {@code ./spatialconv} launcher as users run it, on the jars this build just made
 * ({@code SPATIALCONV_NO_BUILD=1}, so it does not start a nested Maven): exit codes and stderr pass through,
 * the classpath finds the CPU backend, JAVA_OPTS reaches the JVM.
 */
class LauncherTest {
    private static final long TIMEOUT_S = 120;
    private static Path root;

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
        String describe() {
            return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    @BeforeAll
    static void findLauncher() throws IOException {
        root = Path.of("").toAbsolutePath().getParent();
        Path launcher = root.resolve("spatialconv");
        Assumptions.assumeTrue(Files.isExecutable(launcher), "no launcher at " + launcher);
        Path target = root.resolve("perfmodel/target");
        boolean built;
        try (Stream<Path> s = Files.list(target)) {
            built = Files.isDirectory(target.resolve("lib"))
                    && s.anyMatch(p -> p.getFileName().toString().matches("spatialconv-perfmodel-.*\\.jar"));
        } catch (IOException e) {
            built = false;
        }
        Assumptions.assumeTrue(built, "perfmodel is not packaged (run the reactor through 'package')");
    }

    private Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("spatialconv").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("SPATIALCONV_NO_BUILD", "1");
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("SPATIALCONV_DEBUG");
        pb.environment().putAll(env);
        pb.redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile());
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("launcher did not finish in " + TIMEOUT_S + " s: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("stdout.txt"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void versionAndUsageErrors() throws Exception {
        Run v = run(Map.of(), "--version");
        assertEquals(0, v.exitCode(), v.describe());
        assertTrue(v.out().startsWith("spatialconv "), v.describe());

        Run bad = run(Map.of(), "conv", "--input", "missing.npy", "--weight", "w.npy", "--output", "y.npy");
        assertEquals(2, bad.exitCode(), bad.describe());
        assertEquals(List.of("spatialconv: error: missing.npy: no such file"), bad.err().lines().toList(),
                bad.describe());
        assertTrue(Files.notExists(dir.resolve("y.npy")));
    }

    @Test
    void convRunsOnTheCpuBackend() throws Exception {
        Random rnd = new Random(5);
        NpyFile.write(dir.resolve("x.npy"), ConvCliTest.random(Shape.nchw(1, 2, 7, 7), rnd));
        NpyFile.write(dir.resolve("w.npy"), ConvCliTest.random(Shape.nchw(3, 2, 3, 3), rnd));
        Run r = run(Map.of(), "conv", "--input", "x.npy", "--weight", "w.npy", "--padding", "1", "--output", "y.npy");
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("", r.err(), r.describe());
        assertEquals(Shape.nchw(1, 3, 7, 7), NpyFile.readShape(dir.resolve("y.npy")));
    }

    /**
     * SPATIALCONV_CPU_CONV picks the CPU algorithm: a wrong value is one error line naming the setting, and the
     * Winograd and im2col paths give the same layer to rounding.
     */
    @Test
    void cpuAlgorithmSetting() throws Exception {
        Random rnd = new Random(11);
        NpyFile.write(dir.resolve("x.npy"), ConvCliTest.random(Shape.nchw(2, 5, 9, 12), rnd));
        NpyFile.write(dir.resolve("w.npy"), ConvCliTest.random(Shape.nchw(4, 5, 3, 3), rnd));
        Run bad = run(Map.of("SPATIALCONV_CPU_CONV", "fast"), "conv", "--input", "x.npy", "--weight", "w.npy",
                "--padding", "1", "--output", "bad.npy");
        assertEquals(2, bad.exitCode(), bad.describe());
        assertEquals(List.of("spatialconv: error: SPATIALCONV_CPU_CONV=fast is not a CPU convolution algorithm; use "
                + "auto, gemm or winograd"), bad.err().lines().toList(), bad.describe());
        assertTrue(Files.notExists(dir.resolve("bad.npy")));
        for (String algo : List.of("gemm", "winograd")) {
            Run r = run(Map.of("SPATIALCONV_CPU_CONV", algo), "conv", "--input", "x.npy", "--weight", "w.npy",
                    "--padding", "1", "--output", algo + ".npy");
            assertEquals(0, r.exitCode(), r.describe());
        }
        float[] gemm = NpyFile.read(dir.resolve("gemm.npy")).data();
        float[] winograd = NpyFile.read(dir.resolve("winograd.npy")).data();
        double err = ReferenceConv.relativeL2(winograd, gemm);
        assertTrue(err < 1e-5, "winograd vs gemm relative L2 " + err);
    }

    @Test
    void javaOptsReachTheJvm() throws Exception {
        Run r = run(Map.of("JAVA_OPTS", "-Xmx32m"), "bench", "conv", "--batch", "1", "--channels", "16", "--size",
                "1024x1024", "--filters", "16", "--kernel", "3", "--iterations", "1");
        assertEquals(1, r.exitCode(), r.describe());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.describe());
        assertTrue(lines.get(0).startsWith("spatialconv: error: out of memory (max heap "), r.describe());
    }
}
