package org.spatialconv.conv.layers;

import org.spatialconv.conv.Tensor;

/**
 * Element-wise activations. {@code slope = 0} is ReLU, {@code slope > 0} LeakyReLU:
 * {@code y = x > 0 ? x : slope*x}, {@code dx = x > 0 ? dy : slope*dy} (the derivative at 0 is taken as slope).
 */
public final class Activations {
    private static final int CHUNK = 1 << 14;

    private Activations() {
    }

    /** y = leakyRelu(x, slope) into a new tensor. */
    public static Tensor forward(Threads threads, Tensor x, float slope) {
        Tensor y = Tensor.zeros(x.shape());
        float[] a = x.data();
        float[] b = y.data();
        chunks(threads, a.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                float v = a[i];
                b[i] = v > 0 ? v : slope * v;
            }
        });
        return y;
    }

    /** dx given dy and the forward input x. */
    public static Tensor backward(Threads threads, Tensor dy, Tensor x, float slope) {
        Tensor dx = Tensor.zeros(x.shape());
        float[] a = x.data();
        float[] g = dy.data();
        float[] out = dx.data();
        chunks(threads, a.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                out[i] = a[i] > 0 ? g[i] : slope * g[i];
            }
        });
        return dx;
    }

    /** A loop body over {@code [lo, hi)}. */
    interface RangeBody {
        void run(int lo, int hi);
    }

    /** Splits {@code [0, n)} into fixed chunks run on {@code threads}. */
    static void chunks(Threads threads, int n, RangeBody body) {
        int pieces = (n + CHUNK - 1) / CHUNK;
        threads.forEach(pieces, CHUNK, p -> body.run(p * CHUNK, Math.min(n, (p + 1) * CHUNK)));
    }
}
