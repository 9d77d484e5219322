package org.spatialconv.decomposition.layer;

import java.util.List;
import java.util.Random;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.reference.ReferenceConv;
import org.spatialconv.decomposition.grid.ProcessGrid;

/**
 * A random 2-D convolution problem for the distributed property tests: kernel 1-4, stride 1-3 by 1-2, dilation 1-2,
 * per-side padding 0-2, 1-2 groups, batch 1-3, spatial 2-13, so odd sizes, uneven blocks and windows that read only
 * padding all occur.
 *
 * @param g the geometry
 * @param x the input shape
 * @param k the number of filters
 */
public record ConvCase(ConvGeometry g, Shape x, int k) {
    /** Relative L2 bound between a distributed and the single-rank result. */
    public static final double TOLERANCE = 1e-5;

    /** Draws a problem from {@code rnd}. */
    public static ConvCase random(Random rnd) {
        int groups = 1 + rnd.nextInt(2);
        int c = groups * (1 + rnd.nextInt(2));
        int k = groups * (1 + rnd.nextInt(2));
        int[] kern = {1 + rnd.nextInt(4), 1 + rnd.nextInt(4)};
        int[] stride = {1 + rnd.nextInt(3), 1 + rnd.nextInt(2)};
        int[] dil = {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)};
        int[] plo = {rnd.nextInt(3), rnd.nextInt(3)};
        int[] phi = {rnd.nextInt(3), rnd.nextInt(3)};
        ConvGeometry g = new ConvGeometry(kern, stride, plo, phi, dil, groups);
        Shape x = Shape.nchw(1 + rnd.nextInt(3), c, 2 + rnd.nextInt(12), 2 + rnd.nextInt(12));
        return new ConvCase(g, x, k);
    }

    /** The weight shape. */
    public Shape w() {
        return g.weightShape(x.c(), k);
    }

    /** The output shape, or null when the geometry yields no output for this input. */
    public Shape yOrNull() {
        try {
            return g.outputShape(x, w());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether {@code grid} (n,1,h,w) can split this problem: at least one input and output element per part. */
    public boolean splits(ProcessGrid grid) {
        Shape y = yOrNull();
        return y != null && grid.parts(0) <= x.n() && grid.parts(2) <= x.h() && grid.parts(3) <= x.w()
                && grid.parts(2) <= y.h() && grid.parts(3) <= y.w();
    }

    /** A tensor of standard normal values. */
    public static Tensor random(Shape s, Random rnd) {
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.data().length; i++) {
            t.data()[i] = (float) rnd.nextGaussian();
        }
        return t;
    }

    /** Adds a line to {@code failures} unless {@code got} is within {@link #TOLERANCE} of {@code want}. */
    public static void check(List<String> failures, String ctx, String what, Tensor got, Tensor want) {
        double err = ReferenceConv.relativeL2(got.data(), want.data());
        if (!(err < TOLERANCE)) {
            failures.add(ctx + " " + what + " rel L2 " + err);
        }
    }

    @Override
    public String toString() {
        return g + " x=" + x + " k=" + k;
    }
}
