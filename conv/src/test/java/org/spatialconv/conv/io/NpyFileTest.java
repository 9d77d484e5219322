package org.spatialconv.conv.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Reads fixtures written by numpy 1.24 ({@code src/test/resources/npy}, made with {@code np.save} and
 * {@code np.lib.format.write_array(..., version=(2,0))}), round-trips random arrays, and checks every rejection.
 */
class NpyFileTest {
    private static final long SEED = 20261124L;

    @TempDir
    Path tmp;

    private static Path fixture(String name) {
        try {
            return Path.of(NpyFileTest.class.getResource("/npy/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The values the fixtures hold: {@code arange(24).reshape(2,3,4) * 0.5 - 3.25}. */
    private static float[] expected24() {
        float[] v = new float[24];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5f - 3.25f;
        }
        return v;
    }

    @ParameterizedTest
    @CsvSource({"v1_f4_2x3x4.npy", "v2_f4_2x3x4.npy", "v3_f4_2x3x4.npy"})
    void readsNumpyFilesOfEveryHeaderVersion(String name) throws IOException {
        Tensor t = NpyFile.read(fixture(name));
        assertEquals(Shape.of(2, 3, 4), t.shape());
        assertArrayEquals(expected24(), t.data());
        assertEquals(Shape.of(2, 3, 4), NpyFile.readShape(fixture(name)));
    }

    @Test
    void readsOneDimensionalArray() throws IOException {
        Tensor t = NpyFile.read(fixture("v1_f4_1d.npy"));
        assertEquals(Shape.of(3), t.shape());
        assertArrayEquals(new float[] {1.5f, -2.0f, 3.0f}, t.data());
    }

    @Test
    void writesTheSameBytesAsNumpy() throws IOException {
        for (String name : List.of("v1_f4_2x3x4.npy", "v1_f4_1d.npy")) {
            Tensor t = NpyFile.read(fixture(name));
            Path out = tmp.resolve(name);
            NpyFile.write(out, t);
            assertArrayEquals(Files.readAllBytes(fixture(name)), Files.readAllBytes(out), name);
        }
    }

    @Test
    void roundTripsRandomShapes() throws IOException {
        Random rnd = new Random(SEED);
        int checked = 0;
        for (int trial = 0; trial < 20; trial++) {
            int rank = 1 + rnd.nextInt(4);
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = 1 + rnd.nextInt(7);
            }
            Tensor t = Tensor.zeros(dims);
            for (int i = 0; i < t.data().length; i++) {
                t.data()[i] = (float) rnd.nextGaussian();
            }
            Path out = tmp.resolve("r" + trial + ".npy");
            NpyFile.write(out, t);
            Tensor back = NpyFile.read(out);
            assertEquals(t.shape(), back.shape(), "seed " + SEED + " trial " + trial);
            assertArrayEquals(t.data(), back.data(), "seed " + SEED + " trial " + trial);
            assertEquals(0, (Files.size(out) - 4L * t.data().length) % 64, "data must start 64-byte aligned");
            checked++;
        }
        assertEquals(20, checked);
    }

    @Test
    void largeArraySpansSeveralBuffers() throws IOException {
        Tensor t = Tensor.zeros(3, 5, 100, 1000); // 6 MB: several 1 MiB chunks plus a partial one
        for (int i = 0; i < t.data().length; i++) {
            t.data()[i] = i * 1e-3f;
        }
        Path out = tmp.resolve("big.npy");
        NpyFile.write(out, t);
        assertArrayEquals(t.data(), NpyFile.read(out).data());
    }

    @Test
    void headerLengthIsAlignedAndVersionOne() {
        byte[] h = NpyFile.header(Shape.of(4, 5, 6, 7));
        assertEquals(0, h.length % 64);
        assertEquals(1, h[6]);
        assertEquals('\n', h[h.length - 1]);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "f8_2x3.npy | float64",
        "fortran_f4_2x3.npy | Fortran-order",
        "bigendian_f4_2x3.npy | big-endian",
        "truncated_f4_2x3x4.npy | truncated",
        "header_only_truncated.npy | truncated",
        "badmagic.npy | bad magic",
    })
    void rejectsUnsupportedFilesWithOneLineNamingFileAndProblem(String name, String problem) {
        Path f = fixture(name);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyFile.read(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NpyFile.readShape(f));
    }

    @Test
    void rejectsMissingFileAndTrailingBytes() throws IOException {
        Path missing = tmp.resolve("nope.npy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyFile.read(missing));
        assertEquals(missing + ": no such file", e.getMessage());

        Path extra = tmp.resolve("extra.npy");
        byte[] b = Files.readAllBytes(fixture("v1_f4_1d.npy"));
        byte[] longer = java.util.Arrays.copyOf(b, b.length + 3);
        Files.write(extra, longer);
        e = assertThrows(IllegalArgumentException.class, () -> NpyFile.read(extra));
        assertTrue(e.getMessage().contains("3 unexpected bytes"), e.getMessage());
    }

    @Test
    void failedWriteLeavesNothingBehind() throws IOException {
        Path dir = tmp.resolve("out");
        Files.createDirectory(dir);
        Path target = dir.resolve("y.npy");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, t -> {
            Files.write(t, new byte[100]);
            throw new IllegalStateException("disk full (simulated)");
        }));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "no target and no temporary file may remain");
        }
        assertThrows(IOException.class, () -> NpyFile.write(tmp.resolve("no/such/dir/y.npy"), Tensor.zeros(2)));
    }

    /** Cross-check with numpy itself when Debian's python3 with numpy is installed (CI need not have it). */
    @Test
    void numpyReadsWhatWeWrite() throws Exception {
        Path py = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(py), "no /usr/bin/python3");
        Tensor t = Tensor.zeros(2, 3, 5);
        for (int i = 0; i < t.data().length; i++) {
            t.data()[i] = i - 7.5f;
        }
        Path out = tmp.resolve("for_numpy.npy");
        NpyFile.write(out, t);
        Process p = new ProcessBuilder(py.toString(), "-c",
                "import sys, numpy as np; a = np.load(sys.argv[1]); "
                        + "assert a.dtype == np.float32 and a.shape == (2, 3, 5) and a.flags.c_contiguous; "
                        + "assert (a.ravel() == np.arange(30, dtype=np.float32) - 7.5).all(); print('ok')",
                out.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = new String(p.getInputStream().readAllBytes());
        Assumptions.assumeFalse(text.contains("No module named"), "numpy not installed");
        assertEquals(0, p.exitValue(), text);
        assertEquals("ok", text.trim());
    }
}
