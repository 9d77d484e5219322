package org.spatialconv.conv.layers;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Fully connected layer {@code y[n,o] = sum_i W[o,i] x[n,i] + b[o]} on inputs flattened per sample (so N,C,H,W
 * inputs use i over C*H*W). Weight shape O,I as in PyTorch's {@code Linear}; output N,O,1,1.
 */
public final class FullyConnected {
    private FullyConnected() {
    }

    private static int features(Shape x) {
        return x.size() / x.n();
    }

    /** Forward; {@code b} may be null. */
    public static Tensor forward(Threads threads, Tensor x, Tensor w, Tensor b) {
        int n = x.shape().n();
        int in = features(x.shape());
        if (w.shape().rank() != 2 || w.shape().dim(1) != in) {
            throw new IllegalArgumentException("fully connected weight " + w.shape() + " does not take " + in
                    + " input features from " + x.shape());
        }
        int out = w.shape().dim(0);
        Tensor y = Tensor.zeros(n, out, 1, 1);
        float[] xd = x.data();
        float[] wd = w.data();
        float[] yd = y.data();
        threads.forEach(n * out, in, k -> {
            int s = k / out;
            int o = k % out;
            double acc = b == null ? 0 : b.data()[o];
            for (int i = 0; i < in; i++) {
                acc += (double) wd[o * in + i] * xd[s * in + i];
            }
            yd[k] = (float) acc;
        });
        return y;
    }

    /** dx = dy W. */
    public static Tensor backwardData(Threads threads, Tensor dy, Tensor w, Shape xShape) {
        int n = xShape.n();
        int in = features(xShape);
        int out = w.shape().dim(0);
        Tensor dx = Tensor.zeros(xShape);
        float[] g = dy.data();
        float[] wd = w.data();
        float[] d = dx.data();
        threads.forEach(n, (long) in * out, s -> {
            for (int o = 0; o < out; o++) {
                float gy = g[s * out + o];
                for (int i = 0; i < in; i++) {
                    d[s * in + i] += gy * wd[o * in + i];
                }
            }
        });
        return dx;
    }

    /** dW += dy^T x and db += sum_n dy (db may be null). */
    public static void backwardParams(Threads threads, Tensor dy, Tensor x, Tensor dw, Tensor db) {
        int n = x.shape().n();
        int in = features(x.shape());
        int out = dw.shape().dim(0);
        float[] g = dy.data();
        float[] xd = x.data();
        float[] wd = dw.data();
        threads.forEach(out, (long) in * n, o -> {
            for (int s = 0; s < n; s++) {
                float gy = g[s * out + o];
                for (int i = 0; i < in; i++) {
                    wd[o * in + i] += gy * xd[s * in + i];
                }
            }
            if (db != null) {
                double sum = 0;
                for (int s = 0; s < n; s++) {
                    sum += g[s * out + o];
                }
                db.data()[o] += (float) sum;
            }
        });
    }
}
