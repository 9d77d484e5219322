package org.spatialconv.conv.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.io.NpyFile;

/**
 * The float64 reference that every backend is checked against is itself checked two independent ways: against
 * PyTorch's float64 {@code conv2d} and autograd results (fixtures written by
 * {@code src/test/resources/reference/make_fixtures.py}), and by the adjoint identities that tie the three passes
 * together, {@code <conv(x,w), dy> = <x, dx(dy,w)> = <w, dw(x,dy)>}, over random geometries.
 */
class ReferenceConvTest {
    /** Fixtures are stored as float32, so a correct reference differs from them by float32 rounding only. */
    private static final double FIXTURE_TOLERANCE = 1e-6;

    @Test
    void matchesPyTorchOnEveryFixture() throws IOException, URISyntaxException {
        Path dir = Path.of(ReferenceConvTest.class.getResource("/reference/cases.txt").toURI()).getParent();
        List<String> lines = Files.readAllLines(dir.resolve("cases.txt")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertEquals(6, lines.size(), "fixture cases");
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            String name = f[0];
            int[] v = new int[f.length - 1];
            for (int i = 1; i < f.length; i++) {
                v[i - 1] = Integer.parseInt(f[i]);
            }
            ConvGeometry g = new ConvGeometry(new int[] {v[0], v[1]}, new int[] {v[2], v[3]},
                    new int[] {v[4], v[6]}, new int[] {v[5], v[7]}, new int[] {v[8], v[9]}, v[10]);
            Tensor x = NpyFile.read(dir.resolve(name + "_x.npy"));
            Tensor w = NpyFile.read(dir.resolve(name + "_w.npy"));
            Tensor b = NpyFile.read(dir.resolve(name + "_b.npy"));
            Tensor dy = NpyFile.read(dir.resolve(name + "_dy.npy"));
            check(name + " y", NpyFile.read(dir.resolve(name + "_y.npy")), ReferenceConv.forward(x, w, b, g));
            check(name + " dx", NpyFile.read(dir.resolve(name + "_dx.npy")),
                    ReferenceConv.backwardData(dy, w, g, x.shape()));
            check(name + " dw", NpyFile.read(dir.resolve(name + "_dw.npy")),
                    ReferenceConv.backwardFilter(x, dy, g, w.shape()));
            check(name + " db", NpyFile.read(dir.resolve(name + "_db.npy")), ReferenceConv.biasBackward(dy));
        }
    }

    @Test
    void passesAreAdjointOverRandomGeometries() {
        Random rnd = new Random(0xAD701L);
        int cases = 200;
        for (int i = 0; i < cases; i++) {
            int groups = 1 + rnd.nextInt(3);
            int c = groups * (1 + rnd.nextInt(3));
            int k = groups * (1 + rnd.nextInt(3));
            int r = 1 + rnd.nextInt(4);
            int s = 1 + rnd.nextInt(4);
            int[] stride = {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
            int[] dil = {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)};
            int[] lo = {rnd.nextInt(3), rnd.nextInt(3)};
            int[] hi = {rnd.nextInt(3), rnd.nextInt(3)};
            ConvGeometry g = new ConvGeometry(new int[] {r, s}, stride, lo, hi, dil, groups);
            int h = (r - 1) * dil[0] + 1 + rnd.nextInt(8);
            int wd = (s - 1) * dil[1] + 1 + rnd.nextInt(8);
            Tensor x = random(Shape.nchw(1 + rnd.nextInt(2), c, h, wd), rnd);
            Tensor w = random(g.weightShape(c, k), rnd);
            Shape ys = g.outputShape(x.shape(), w.shape());
            Tensor dy = random(ys, rnd);
            double yDotDy = dot(ReferenceConv.forward(x, w, null, g), dy.data());
            double xDotDx = dot(ReferenceConv.backwardData(dy, w, g, x.shape()), x.data());
            double wDotDw = dot(ReferenceConv.backwardFilter(x, dy, g, w.shape()), w.data());
            double scale = Math.max(1.0, Math.abs(yDotDy));
            String where = "case " + i + ": " + g + " x " + x.shape();
            assertEquals(yDotDy, xDotDx, 1e-9 * scale, where + " <y,dy> vs <x,dx>");
            assertEquals(yDotDy, wDotDw, 1e-9 * scale, where + " <y,dy> vs <w,dw>");
        }
    }

    private static void check(String what, Tensor want, double[] got) {
        double num = 0;
        double den = 0;
        float[] t = want.data();
        assertEquals(t.length, got.length, what + " length");
        for (int i = 0; i < t.length; i++) {
            num += (got[i] - t[i]) * (got[i] - t[i]);
            den += (double) t[i] * t[i];
        }
        double err = Math.sqrt(num / den);
        assertTrue(err < FIXTURE_TOLERANCE, what + ": relative L2 " + err + " against PyTorch");
    }

    private static Tensor random(Shape s, Random rnd) {
        Tensor t = Tensor.zeros(s);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return t;
    }

    private static double dot(double[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
