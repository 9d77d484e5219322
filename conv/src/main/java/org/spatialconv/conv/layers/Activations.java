package org.spatialconv.conv.layers;

import org.spatialconv.conv.Tensor;

/**
 * Element-wise activations. {@code slope = 0} is ReLU, {@code y = max(x, 0)} (+0 for every {@code x <= 0});
 * {@code 0 < slope < 1} is LeakyReLU, {@code y = x > 0 ? x : slope*x}; and {@code dx = x > 0 ? dy : slope*dy}
 * (the derivative at 0 is taken as slope).
 *
 * <p>Both loops are written without a branch on the sign, so that the JIT vectorizes them and their time does not
 * depend on the data: with a branch, inputs whose signs look random (deep layers after batch norm) ran 10× slower
 * than spatially smooth ones, from mispredictions. LeakyReLU forward is {@code max(x, slope*x)}, equal to the
 * definition for every float including ±0, ±infinity and NaN. Backward scales dy by
 * {@code min(1, max(slope, x * 2^127 * 2^127))}: 1 for every {@code x > 0} (the two products take even the smallest
 * subnormal above 1), {@code slope} for {@code x <= 0}; a NaN x gives a NaN gradient.
 */
public final class Activations {
    private static final int CHUNK = 1 << 14;
    private static final float BIG = 0x1p127f;

    private Activations() {
    }

    /** y = leakyRelu(x, slope) into a new tensor. */
    public static Tensor forward(Threads threads, Tensor x, float slope) {
        checkSlope(slope);
        Tensor y = Tensor.zeros(x.shape());
        float[] a = x.data();
        float[] b = y.data();
        if (slope == 0) {
            chunks(threads, a.length, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    b[i] = Math.max(a[i], 0f);
                }
            });
        } else {
            chunks(threads, a.length, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    float v = a[i];
                    b[i] = Math.max(v, slope * v);
                }
            });
        }
        return y;
    }

    /** dx given dy and the forward input x. */
    public static Tensor backward(Threads threads, Tensor dy, Tensor x, float slope) {
        checkSlope(slope);
        Tensor dx = Tensor.zeros(x.shape());
        float[] a = x.data();
        float[] g = dy.data();
        float[] out = dx.data();
        chunks(threads, a.length, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                out[i] = g[i] * Math.min(1f, Math.max(slope, a[i] * BIG * BIG));
            }
        });
        return dx;
    }

    /**
     * The slopes these kernels take: {@code [0, 1)} (ReLU and LeakyReLU; the branch-free forms above rely on it).
     *
     * @throws IllegalArgumentException otherwise (NaN included)
     */
    public static void checkSlope(double slope) {
        if (!(slope >= 0 && slope < 1)) {
            throw new IllegalArgumentException("leakyrelu slope must be in [0, 1), got " + slope);
        }
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
