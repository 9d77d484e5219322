package org.spatialconv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.io.NpyFile;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * {@code spatialconv conv --launch mpj --ranks 4}: four MPJ Express processes over grids {@code 1,2,2},
 * {@code 2,2,1} and {@code 1,1,4} write the same outputs and gradients as the in-JVM run of the same grid, on
 * random geometries; inconsistent launch options are one clear error.
 */
class MpjCliTest {
    /** Relative L2 error allowed between the MPJ run and the in-JVM run. */
    static final double TOLERANCE = 1e-6;
    private static final long SEED = 4_2026_1124L;
    private static final String[] OUTPUTS = {"y.npy", "gx.npy", "gw.npy", "gb.npy"};

    @TempDir
    Path dir;

    @Test
    void fourProcessesMatchInJvmRanks() throws IOException {
        Random rnd = new Random(SEED);
        int compared = 0;
        for (String grid : List.of("1,2,2", "2,2,1", "1,1,4")) {
            Path d = Files.createDirectory(dir.resolve("grid-" + grid.replace(',', '-')));
            List<String> geo = randomCase(rnd, d);
            Path local = run(d, grid, geo, "local", List.of());
            Path mpj = run(d, grid, geo, "mpj", List.of("--launch", "mpj", "--ranks", "4"));
            for (String name : OUTPUTS) {
                Tensor a = NpyFile.read(mpj.resolve(name));
                Tensor b = NpyFile.read(local.resolve(name));
                assertEquals(b.shape(), a.shape(), grid + " " + name);
                double err = ReferenceConv.relativeL2(a.data(), b.data());
                assertTrue(err < TOLERANCE, "seed " + SEED + " grid " + grid + " " + geo + " " + name + ": rel L2 "
                        + err);
                compared++;
            }
        }
        assertEquals(3 * OUTPUTS.length, compared, "outputs compared");
    }

    @Test
    void benchConvPrintsRankZerosResults() {
        Cli.Result res = Cli.run("bench", "conv", "--batch", "1", "--channels", "2", "--size", "24x20", "--filters",
                "2", "--kernel", "3", "--padding", "1", "--grid", "1,1,2", "--threads", "1", "--iterations", "2",
                "--launch", "mpj");
        assertEquals(0, res.exitCode(), res.describe());
        assertTrue(res.out().contains("grid=1,1,2") && res.out().contains("backward-filter"), res.describe());
        assertTrue(!res.out().contains("[rank 1]"), "only rank 0 prints results:\n" + res.out());
    }

    @Test
    void ranksThatDoNotMatchTheGridAreOneClearError() throws IOException {
        NpyFile.write(dir.resolve("x.npy"), Tensor.zeros(Shape.nchw(1, 1, 8, 8)));
        NpyFile.write(dir.resolve("w.npy"), Tensor.zeros(Shape.nchw(1, 1, 3, 3)));
        Cli.Result res = Cli.run("conv", "--input", s(dir, "x.npy"), "--weight", s(dir, "w.npy"), "--output",
                s(dir, "y.npy"), "--grid", "1,2,2", "--launch", "mpj", "--ranks", "3");
        assertEquals(2, res.exitCode(), res.describe());
        assertTrue(res.err().contains("--ranks 3 does not match grid 1,2,2") && res.err().strip().lines().count() == 1,
                res.err());
        res = Cli.run("conv", "--input", s(dir, "x.npy"), "--weight", s(dir, "w.npy"), "--output", s(dir, "y.npy"),
                "--ranks", "2");
        assertEquals(2, res.exitCode(), res.describe());
        assertTrue(res.err().contains("--ranks and --machines need --launch mpj"), res.err());
        res = Cli.run("conv", "--input", s(dir, "x.npy"), "--weight", s(dir, "w.npy"), "--output", s(dir, "y.npy"),
                "--grid", "1,2,1", "--launch", "mpj", "--rank-timeout", "0");
        assertEquals(2, res.exitCode(), res.describe());
        assertTrue(res.err().contains("--rank-timeout must be at least 1 second"), res.err());
        assertTrue(Files.notExists(dir.resolve("y.npy")), "no output written");
    }

    /** Writes random x, w, b, gy for a random geometry into {@code d}; returns the geometry options. */
    private static List<String> randomCase(Random rnd, Path d) throws IOException {
        while (true) {
            int groups = rnd.nextBoolean() ? 1 : 2;
            int c = 2 * (1 + rnd.nextInt(2));
            int k = 2 * (1 + rnd.nextInt(2));
            int r = 1 + rnd.nextInt(3);
            int s = 1 + rnd.nextInt(3);
            int stride = 1 + rnd.nextInt(2);
            int pad = rnd.nextInt(Math.max(r, s));
            int dil = 1 + rnd.nextInt(2);
            Shape xs = Shape.nchw(2, c, 9 + rnd.nextInt(8), 9 + rnd.nextInt(8));
            ConvGeometry g;
            Shape ys;
            try {
                g = ConvGeometry.of2d(r, s, stride, stride, pad, pad, dil, dil, groups);
                ys = g.outputShape(xs, Shape.nchw(k, c / groups, r, s));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (ys.h() < 4 || ys.w() < 4) {
                continue;
            }
            NpyFile.write(d.resolve("x.npy"), random(xs, rnd));
            NpyFile.write(d.resolve("w.npy"), random(Shape.nchw(k, c / groups, r, s), rnd));
            NpyFile.write(d.resolve("b.npy"), random(Shape.of(k), rnd));
            NpyFile.write(d.resolve("gy.npy"), random(ys, rnd));
            return List.of("--stride", Integer.toString(stride), "--padding", Integer.toString(pad), "--dilation",
                    Integer.toString(dil), "--groups", Integer.toString(groups));
        }
    }

    private static Path run(Path d, String grid, List<String> geo, String name, List<String> launch)
            throws IOException {
        Path out = Files.createDirectory(d.resolve(name));
        List<String> args = new ArrayList<>(List.of("conv", "--input", s(d, "x.npy"), "--weight", s(d, "w.npy"),
                "--bias", s(d, "b.npy"), "--output", s(out, "y.npy"), "--grid", grid, "--grad-output",
                s(d, "gy.npy"), "--grad-input", s(out, "gx.npy"), "--grad-weight", s(out, "gw.npy"), "--grad-bias",
                s(out, "gb.npy")));
        args.addAll(geo);
        args.addAll(launch);
        Cli.Result res = Cli.run(args.toArray(String[]::new));
        assertEquals(0, res.exitCode(), "grid " + grid + " " + geo + " " + launch + "\n" + res.describe());
        return out;
    }

    private static Tensor random(Shape s, Random rnd) {
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.data().length; i++) {
            t.data()[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return t;
    }

    private static String s(Path dir, String name) {
        return dir.resolve(name).toString();
    }
}
