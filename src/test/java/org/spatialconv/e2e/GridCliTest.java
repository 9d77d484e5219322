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
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.io.NpyFile;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * {@code spatialconv conv --grid n,h,w} on in-JVM ranks writes the same global outputs and gradients as grid
 * {@code 1,1,1}; {@code bench conv --grid} runs; a grid the output cannot be split over is one clear error.
 */
class GridCliTest {
    /** Relative L2 error allowed between a grid run and the single-rank run. */
    static final double TOLERANCE = 1e-5;
    private static final long SEED = 3_2026_1124L;
    private static final String[] OUTPUTS = {"y.npy", "gx.npy", "gw.npy", "gb.npy"};

    @TempDir
    Path dir;

    @Test
    void gridRunsMatchSingleRank() throws IOException {
        // geometry args, input N,C,H,W, filters, grids to compare against 1,1,1
        Object[][] cases = {
            {List.of("--padding", "1"), Shape.nchw(2, 3, 11, 9), 4, List.of("1,2,1", "1,1,3", "2,2,1", "1,2,2",
                "2,2,2")},
            {List.of("--stride", "2,1", "--padding", "2,0", "--dilation", "1,2", "--groups", "2"),
                Shape.nchw(1, 4, 13, 10), 2, List.of("1,3,2", "1,4,1")},
            {List.of("--padding", "1,0"), Shape.nchw(1, 2, 7, 6), 3, List.of("1,7,1", "1,1,4")},   // thin: one row each
        };
        Random rnd = new Random(SEED);
        int compared = 0;
        int caseNo = 0;
        for (Object[] cs : cases) {
            @SuppressWarnings("unchecked")
            List<String> geo = (List<String>) cs[0];
            Shape xs = (Shape) cs[1];
            int k = (Integer) cs[2];
            int groups = geo.contains("--groups") ? Integer.parseInt(geo.get(geo.indexOf("--groups") + 1)) : 1;
            int r = 3;
            Path d = dir.resolve("case" + caseNo++);
            Files.createDirectory(d);
            NpyFile.write(d.resolve("x.npy"), random(xs, rnd));
            NpyFile.write(d.resolve("w.npy"), random(Shape.nchw(k, xs.c() / groups, r, r), rnd));
            NpyFile.write(d.resolve("b.npy"), random(Shape.of(k), rnd));
            Path single = run(d, "1,1,1", geo, null);
            Tensor y = NpyFile.read(single.resolve("y.npy"));
            NpyFile.write(d.resolve("gy.npy"), random(y.shape(), rnd));
            single = run(d, "1,1,1", geo, "single-again");
            @SuppressWarnings("unchecked")
            List<String> grids = (List<String>) cs[3];
            for (String grid : grids) {
                Path got = run(d, grid, geo, "grid-" + grid.replace(',', '-'));
                for (String name : OUTPUTS) {
                    Tensor a = NpyFile.read(got.resolve(name));
                    Tensor b = NpyFile.read(single.resolve(name));
                    assertEquals(b.shape(), a.shape(), grid + " " + name);
                    double err = ReferenceConv.relativeL2(a.data(), b.data());
                    assertTrue(err < TOLERANCE, "grid " + grid + " " + geo + " " + name + ": rel L2 " + err);
                    compared++;
                }
            }
        }
        assertEquals(4 * 9, compared, "outputs compared");
    }

    /** Runs conv with all gradients on {@code grid}; outputs go to a fresh folder. */
    private Path run(Path d, String grid, List<String> geo, String outName) throws IOException {
        Path out = d.resolve(outName == null ? "fwd-only" : outName);
        Files.createDirectory(out);
        List<String> args = new ArrayList<>(List.of("conv", "--input", s(d, "x.npy"), "--weight", s(d, "w.npy"),
                "--bias", s(d, "b.npy"), "--output", s(out, "y.npy"), "--grid", grid));
        if (outName != null) {
            args.addAll(List.of("--grad-output", s(d, "gy.npy"), "--grad-input", s(out, "gx.npy"), "--grad-weight",
                    s(out, "gw.npy"), "--grad-bias", s(out, "gb.npy")));
        }
        args.addAll(geo);
        Cli.Result res = Cli.run(args.toArray(String[]::new));
        assertEquals(0, res.exitCode(), "grid " + grid + " " + geo + "\n" + res.describe());
        return out;
    }

    @Test
    void benchConvRunsOnAGrid() {
        Cli.Result res = Cli.run("bench", "conv", "--batch", "2", "--channels", "3", "--size", "20x18", "--filters",
                "4", "--kernel", "3", "--padding", "1", "--grid", "2,2,2", "--threads", "1", "--iterations", "2");
        assertEquals(0, res.exitCode(), res.describe());
        assertTrue(res.out().contains("grid=2,2,2"), res.out());
    }

    @Test
    void outputTooSmallForTheGridIsOneClearError() throws IOException {
        NpyFile.write(dir.resolve("x.npy"), Tensor.zeros(Shape.nchw(1, 1, 6, 6)));
        NpyFile.write(dir.resolve("w.npy"), Tensor.zeros(Shape.nchw(1, 1, 3, 3)));
        Cli.Result res = Cli.run("conv", "--input", s(dir, "x.npy"), "--weight", s(dir, "w.npy"), "--stride", "2",
                "--output", s(dir, "y.npy"), "--grid", "1,4,1");
        assertEquals(2, res.exitCode(), res.describe());
        assertTrue(res.err().contains("output dimension 2") && res.err().strip().lines().count() == 1, res.err());
        assertTrue(Files.notExists(dir.resolve("y.npy")), "no half-written output");
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
