package org.spatialconv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
 * {@code spatialconv conv} end to end: writes random inputs as {@code .npy}, runs the CLI in-process, and
 * compares the output and all gradients with the float64 reference.
 */
class ConvCliTest {
    /** Relative L2 error allowed against the float64 reference. */
    static final double TOLERANCE = 1e-5;
    private static final long SEED = 7_2026_1124L;

    @TempDir
    Path dir;

    /** One geometry: N,C,H,W input, K filters, R×S kernel, stride, padding, dilation (height,width), groups. */
    private record Case(int n, int c, int h, int w, int k, int r, int s, int sh, int sw, int ph, int pw, int dh,
            int dw, int groups, boolean bias) {
        List<String> geometryArgs() {
            return List.of("--stride", sh + "," + sw, "--padding", ph + "," + pw, "--dilation", dh + "," + dw,
                    "--groups", Integer.toString(groups));
        }

        ConvGeometry geometry() {
            return ConvGeometry.of2d(r, s, sh, sw, ph, pw, dh, dw, groups);
        }
    }

    private static List<Case> cases() {
        List<Case> list = new ArrayList<>(List.of(
                new Case(1, 3, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, true),
                new Case(2, 4, 11, 7, 6, 3, 2, 2, 1, 1, 0, 1, 1, 2, true),       // non-square kernel, groups
                new Case(1, 6, 10, 10, 6, 3, 3, 1, 1, 2, 2, 2, 2, 6, false),     // depthwise, dilation
                new Case(2, 5, 8, 9, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1, true),        // 1x1
                new Case(1, 2, 13, 12, 4, 5, 5, 3, 2, 2, 1, 1, 2, 1, false)));   // stride 3,2 and mixed
        Random rnd = new Random(SEED);
        for (int i = 0; i < 5; i++) {
            int groups = 1 + rnd.nextInt(2);
            int c = groups * (1 + rnd.nextInt(3));
            int k = groups * (1 + rnd.nextInt(3));
            int r = 1 + rnd.nextInt(4);
            int s = 1 + rnd.nextInt(4);
            int dh = 1 + rnd.nextInt(2);
            int dw = 1 + rnd.nextInt(2);
            int ph = rnd.nextInt(3);
            int pw = rnd.nextInt(3);
            int h = Math.max(dh * (r - 1) + 1, 4 + rnd.nextInt(9));
            int w = Math.max(dw * (s - 1) + 1, 4 + rnd.nextInt(9));
            list.add(new Case(1 + rnd.nextInt(2), c, h, w, k, r, s, 1 + rnd.nextInt(3), 1 + rnd.nextInt(3), ph, pw,
                    dh, dw, groups, rnd.nextBoolean()));
        }
        return list;
    }

    @Test
    void forwardAndBothBackwardPassesMatchTheReference() throws IOException {
        Random rnd = new Random(SEED);
        int checked = 0;
        int index = 0;
        for (Case cs : cases()) {
            String tag = "case " + index + " " + cs + " (seed " + SEED + ")";
            Path d = dir.resolve("case" + index++);
            java.nio.file.Files.createDirectory(d);
            Tensor x = random(Shape.nchw(cs.n, cs.c, cs.h, cs.w), rnd);
            Tensor w = random(Shape.nchw(cs.k, cs.c / cs.groups, cs.r, cs.s), rnd);
            Tensor b = cs.bias ? random(Shape.of(cs.k), rnd) : null;
            Shape ys = cs.geometry().outputShape(x.shape(), w.shape());
            Tensor gy = random(ys, rnd);
            NpyFile.write(d.resolve("x.npy"), x);
            NpyFile.write(d.resolve("w.npy"), w);
            NpyFile.write(d.resolve("gy.npy"), gy);
            List<String> args = new ArrayList<>(List.of("conv", "--input", s(d, "x.npy"), "--weight", s(d, "w.npy"),
                    "--output", s(d, "y.npy"), "--grad-output", s(d, "gy.npy"), "--grad-input", s(d, "gx.npy"),
                    "--grad-weight", s(d, "gw.npy"), "--grad-bias", s(d, "gb.npy")));
            if (b != null) {
                NpyFile.write(d.resolve("b.npy"), b);
                args.addAll(List.of("--bias", s(d, "b.npy")));
            }
            args.addAll(cs.geometryArgs());
            Cli.Result res = Cli.run(args.toArray(String[]::new));
            assertEquals(0, res.exitCode(), tag + "\n" + res.describe());
            assertEquals("", res.out(), tag);

            ConvGeometry g = cs.geometry();
            check(d.resolve("y.npy"), ys, ReferenceConv.forward(x, w, b, g), tag + " forward");
            check(d.resolve("gx.npy"), x.shape(), ReferenceConv.backwardData(gy, w, g, x.shape()), tag + " dx");
            check(d.resolve("gw.npy"), w.shape(), ReferenceConv.backwardFilter(x, gy, g, w.shape()), tag + " dw");
            check(d.resolve("gb.npy"), Shape.of(cs.k), ReferenceConv.biasBackward(gy), tag + " db");
            checked++;
        }
        assertEquals(10, checked, "geometries checked");
    }

    @Test
    void forwardOnlyWritesJustTheOutput() throws IOException {
        Random rnd = new Random(SEED + 1);
        Tensor x = random(Shape.nchw(1, 2, 6, 6), rnd);
        Tensor w = random(Shape.nchw(3, 2, 3, 3), rnd);
        NpyFile.write(dir.resolve("x.npy"), x);
        NpyFile.write(dir.resolve("w.npy"), w);
        Cli.Result res = Cli.run("conv", "--input", s(dir, "x.npy"), "--weight", s(dir, "w.npy"), "--padding", "1",
                "--output", s(dir, "y.npy"));
        assertEquals(0, res.exitCode(), res.describe());
        check(dir.resolve("y.npy"), Shape.nchw(1, 3, 6, 6),
                ReferenceConv.forward(x, w, null, ConvGeometry.square(3, 1, 1, 1, 1)), "forward only");
        try (var files = java.nio.file.Files.list(dir)) {
            assertEquals(3, files.count(), "x, w and y only");
        }
    }

    private static void check(Path file, Shape shape, double[] want, String what) throws IOException {
        Tensor got = NpyFile.read(file);
        assertEquals(shape, got.shape(), what);
        double err = ReferenceConv.relativeL2(got.data(), want);
        assertTrue(err < TOLERANCE, what + ": relative L2 error " + err + " >= " + TOLERANCE);
    }

    static Tensor random(Shape s, Random rnd) {
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.data().length; i++) {
            t.data()[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return t;
    }

    static String s(Path dir, String name) {
        return dir.resolve(name).toString();
    }
}
