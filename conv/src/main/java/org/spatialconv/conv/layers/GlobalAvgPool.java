package org.spatialconv.conv.layers;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Global average pooling N,C,H,W to N,C,1,1, split into a local partial sum (allreduced over the spatial ranks of
 * a distributed layer) and a division by the global spatial count. Backward spreads {@code dy/count} evenly.
 */
public final class GlobalAvgPool {
    private GlobalAvgPool() {
    }

    /** Per (n, c) sums of the local block, length N*C. */
    public static double[] partialSums(Tensor x) {
        Shape s = x.shape();
        int planes = s.n() * s.c();
        int plane = s.size() / planes;
        double[] out = new double[planes];
        float[] d = x.data();
        for (int p = 0; p < planes; p++) {
            double sum = 0;
            for (int i = 0; i < plane; i++) {
                sum += d[p * plane + i];
            }
            out[p] = sum;
        }
        return out;
    }

    /** N,C,1,1 output from (reduced) sums and the global spatial element count. */
    public static Tensor finish(double[] sums, int n, int c, long globalSpatial) {
        Tensor y = Tensor.zeros(n, c, 1, 1);
        for (int i = 0; i < sums.length; i++) {
            y.data()[i] = (float) (sums[i] / globalSpatial);
        }
        return y;
    }

    /** Whole-tensor forward. */
    public static Tensor forward(Tensor x) {
        Shape s = x.shape();
        return finish(partialSums(x), s.n(), s.c(), s.size() / (s.n() * s.c()));
    }

    /** dx for a local block of shape {@code xShape}: every element gets {@code dy[n,c] / globalSpatial}. */
    public static Tensor backward(Tensor dy, Shape xShape, long globalSpatial) {
        Tensor dx = Tensor.zeros(xShape);
        int planes = xShape.n() * xShape.c();
        int plane = xShape.size() / planes;
        for (int p = 0; p < planes; p++) {
            float v = (float) (dy.data()[p] / (double) globalSpatial);
            java.util.Arrays.fill(dx.data(), p * plane, (p + 1) * plane, v);
        }
        return dx;
    }
}
