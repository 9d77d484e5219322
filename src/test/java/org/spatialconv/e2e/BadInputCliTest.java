package org.spatialconv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.io.NpyFile;

/**
 * Bad input to {@code conv} and {@code bench conv}: each is exit code 2, exactly one line on stderr starting
 * {@code spatialconv: error: } that names the problem, nothing on stdout, and no output (or temporary) file left.
 */
class BadInputCliTest {
    private static final String PREFIX = "spatialconv: error: ";
    private static final Set<String> INPUTS = Set.of("x.npy", "w.npy", "w_c3.npy", "w_big.npy", "gy.npy", "gy_bad.npy",
            "b.npy", "b_bad.npy", "x64.npy");

    @TempDir
    Path dir;

    /** Arguments after {@code conv}; {@code @} is replaced by the temp folder. */
    static Stream<Arguments> convCases() {
        String out = "--output @/y.npy";
        String grads = "--grad-input @/gx.npy --grad-weight @/gw.npy --grad-bias @/gb.npy";
        return Stream.of(
                Arguments.of("channel mismatch", "--input @/x.npy --weight @/w_c3.npy " + out, "input channels"),
                Arguments.of("groups mismatch", "--input @/x.npy --weight @/w.npy --groups 3 " + out,
                        "not divisible by groups 3"),
                Arguments.of("kernel larger than padded input", "--input @/x.npy --weight @/w_big.npy --padding 1 "
                        + out, "larger than the padded input"),
                Arguments.of("missing file", "--input @/nope.npy --weight @/w.npy " + out, "nope.npy: no such file"),
                Arguments.of("float64 file", "--input @/x64.npy --weight @/w.npy " + out, "float64"),
                Arguments.of("bad stride syntax", "--input @/x.npy --weight @/w.npy --stride 2x " + out, "--stride"),
                Arguments.of("negative padding", "--input @/x.npy --weight @/w.npy --padding -1 " + out, "--padding"),
                Arguments.of("grid splits more samples than there are", "--input @/x.npy --weight @/w.npy "
                        + "--grid 2,1,1 " + out, "grid 2,1,1 splits 1 samples"),
                Arguments.of("grid with two parts", "--input @/x.npy --weight @/w.npy --grid 1,2 " + out, "n,h,w"),
                Arguments.of("grid with a zero part", "--input @/x.npy --weight @/w.npy --grid 1,0,1 " + out, "grid"),
                Arguments.of("grad-output of the wrong shape", "--input @/x.npy --weight @/w.npy --grad-output "
                        + "@/gy_bad.npy " + grads + " " + out, "--grad-output"),
                Arguments.of("grad-input without grad-output", "--input @/x.npy --weight @/w.npy --grad-input "
                        + "@/gx.npy " + out, "--grad-input needs --grad-output"),
                Arguments.of("grad-output without grad-weight", "--input @/x.npy --weight @/w.npy --grad-output "
                        + "@/gy.npy --grad-input @/gx.npy " + out, "--grad-weight"),
                Arguments.of("bias of the wrong length", "--input @/x.npy --weight @/w.npy --bias @/b_bad.npy "
                        + grads.replace("--grad-input", "--grad-output @/gy.npy --grad-input") + " " + out, "--bias"),
                Arguments.of("output folder missing", "--input @/x.npy --weight @/w.npy --output @/no/y.npy",
                        "does not exist"),
                Arguments.of("two outputs to one file", "--input @/x.npy --weight @/w.npy --grad-output @/gy.npy "
                        + "--grad-input @/y.npy --grad-weight @/gw.npy " + out, "same file"),
                Arguments.of("missing required option", "--input @/x.npy " + out, "--weight"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void convRejectsBadInputCleanly(String name, String args, String fragment) throws IOException {
        writeInputs();
        String[] argv = args.replace("@", dir.toString()).split(" ");
        List<String> full = new ArrayList<>(List.of("conv"));
        full.addAll(Arrays.asList(argv));
        Cli.Result res = Cli.run(full.toArray(String[]::new));
        assertOneLineError(res, fragment);
        assertEquals(new TreeSet<>(INPUTS), filesIn(dir), name + ": no output or temporary file may be left");
    }

    static Stream<Arguments> benchCases() {
        String base = "--batch 1 --channels 2 --filters 2 --iterations 1";
        return Stream.of(
                Arguments.of(base + " --size 0x5 --kernel 3", "--size"),
                Arguments.of(base + " --size 6 --kernel 9", "larger than the padded input"),
                Arguments.of(base + " --size 6x6x6 --kernel 3", "HxW"),
                Arguments.of(base + " --size 6 --kernel 3 --threads 0", "--threads"),
                Arguments.of(base + " --size 6 --kernel 3 --grid 1,7,1", "grid 1,7,1 splits 6 rows"),
                Arguments.of(base + " --size 6 --kernel 3 --json @/no/such/b.json", "does not exist"));
    }

    @ParameterizedTest(name = "bench {0}")
    @MethodSource("benchCases")
    void benchRejectsBadInputCleanly(String args, String fragment) throws IOException {
        List<String> full = new ArrayList<>(List.of("bench", "conv"));
        full.addAll(Arrays.asList(args.replace("@", dir.toString()).split(" ")));
        assertOneLineError(Cli.run(full.toArray(String[]::new)), fragment);
        assertEquals(Set.of(), filesIn(dir));
    }

    @Test
    void debugShowsTheStackTrace() throws IOException {
        writeInputs();
        Cli.Result res = Cli.run("conv", "--debug", "--input", dir + "/x.npy", "--weight", dir + "/w_c3.npy",
                "--output", dir + "/y.npy");
        assertEquals(2, res.exitCode(), res.describe());
        assertTrue(res.err().startsWith(PREFIX), res.describe());
        assertTrue(res.err().contains("\tat org.spatialconv."), res.describe());
    }

    @Test
    void noCommandIsAUsageError() {
        assertOneLineError(Cli.run(), "missing command");
        assertOneLineError(Cli.run("bench"), "missing benchmark");
        assertOneLineError(Cli.run("frobnicate"), "frobnicate");
    }

    private static void assertOneLineError(Cli.Result res, String fragment) {
        assertEquals(2, res.exitCode(), res.describe());
        assertEquals("", res.out(), res.describe());
        List<String> lines = res.err().lines().toList();
        assertEquals(1, lines.size(), "exactly one line\n" + res.describe());
        assertTrue(lines.get(0).startsWith(PREFIX), res.describe());
        assertTrue(lines.get(0).contains(fragment), "expected '" + fragment + "'\n" + res.describe());
    }

    private void writeInputs() throws IOException {
        Random rnd = new Random(11);
        NpyFile.write(dir.resolve("x.npy"), ConvCliTest.random(Shape.nchw(1, 4, 8, 8), rnd));
        NpyFile.write(dir.resolve("w.npy"), ConvCliTest.random(Shape.nchw(6, 4, 3, 3), rnd));
        NpyFile.write(dir.resolve("w_c3.npy"), ConvCliTest.random(Shape.nchw(6, 3, 3, 3), rnd));
        NpyFile.write(dir.resolve("w_big.npy"), ConvCliTest.random(Shape.nchw(6, 4, 11, 11), rnd));
        NpyFile.write(dir.resolve("gy.npy"), ConvCliTest.random(Shape.nchw(1, 6, 6, 6), rnd));
        NpyFile.write(dir.resolve("gy_bad.npy"), ConvCliTest.random(Shape.nchw(1, 6, 8, 8), rnd));
        NpyFile.write(dir.resolve("b.npy"), ConvCliTest.random(Shape.of(6), rnd));
        NpyFile.write(dir.resolve("b_bad.npy"), ConvCliTest.random(Shape.of(5), rnd));
        writeFloat64(dir.resolve("x64.npy"), new int[] {1, 4, 8, 8});
    }

    /** A float64 {@code .npy} file as numpy writes it (what users get from {@code np.save} of a default array). */
    private static void writeFloat64(Path file, int[] dims) throws IOException {
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims[0] + ", " + dims[1] + ", "
                + dims[2] + ", " + dims[3] + "), }";
        StringBuilder h = new StringBuilder(dict);
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        int n = dims[0] * dims[1] * dims[2] * dims[3];
        ByteBuffer b = ByteBuffer.allocate(10 + h.length() + 8 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length());
        b.put(h.toString().getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < n; i++) {
            b.putDouble(i * 0.25);
        }
        Files.write(file, b.array());
    }

    private static Set<String> filesIn(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).forEach(p -> names.add(dir.relativize(p).toString()));
        }
        return names;
    }
}
