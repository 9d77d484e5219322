package org.spatialconv.perfmodel.train;

import java.util.Random;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.net.Loss;

/**
 * A synthetic PDE data set generated on the fly, so training needs no download. Sample {@code i} is a source
 * field {@code f} of 1 to 4 Gaussian blobs with random centres, widths and signs (drawn from {@code seed} and
 * {@code i} only), and the field {@code u} after {@code sweeps} Jacobi sweeps of the Poisson problem
 * {@code -Laplace(u) = f} with zero boundary values, started from zero (a partially relaxed, heat-equation-like
 * solution), scaled to max |u| = 1. Every rank and every decomposition sees the same samples because each is a
 * pure function of (seed, i); ranks generate whole samples and keep their block. One instance per rank (it
 * caches recent samples and is not thread-safe).
 *
 * <p>Inputs: channel 0 is f; further channels (meshnet has 18) are f modulated by fixed cosines of x and y.
 * Targets: for MSE every output channel is u; for cross-entropy per pixel the class is u's level, {@code
 * floor(K * (u+1)/2)} clipped to {@code [0, K)}; for per-sample outputs (1x1) the class is the blob count mod K.
 */
public final class PdeData {
    private final long seed;
    private final int sweeps;
    /** The last few samples generated: inputs and targets of one batch share the Jacobi work. Not thread-safe. */
    private final java.util.Map<String, float[][]> cache = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, float[][]> e) {
            return size() > CACHED;
        }
    };
    private static final int CACHED = 8;

    /** A data set from {@code seed} relaxed by {@code sweeps} Jacobi sweeps per sample. */
    public PdeData(long seed, int sweeps) {
        if (sweeps < 0) {
            throw new IllegalArgumentException("sweeps must be >= 0");
        }
        this.seed = seed;
        this.sweeps = sweeps;
    }

    /** The source field and relaxed solution of sample {@code i} at {@code h x w}: {@code {f, u}}, row-major. */
    public float[][] fields(int i, int h, int w) {
        return cache.computeIfAbsent(i + ":" + h + "x" + w, k -> generate(i, h, w));
    }

    private float[][] generate(int i, int h, int w) {
        Random rnd = new Random(seed * 1_000_003L + i);
        int blobs = 1 + rnd.nextInt(4);
        float[] f = new float[h * w];
        for (int b = 0; b < blobs; b++) {
            double cy = rnd.nextDouble() * h;
            double cx = rnd.nextDouble() * w;
            double s = Math.max(h, w) * (0.04 + 0.12 * rnd.nextDouble());
            double a = (rnd.nextBoolean() ? 1 : -1) * (0.5 + rnd.nextDouble());
            double inv = 1.0 / (2 * s * s);
            for (int y = 0; y < h; y++) {
                double dy = (y - cy) * (y - cy);
                for (int x = 0; x < w; x++) {
                    f[y * w + x] += (float) (a * Math.exp(-(dy + (x - cx) * (x - cx)) * inv));
                }
            }
        }
        float[] u = jacobi(f, h, w);
        return new float[][] {f, u, {blobs}};
    }

    /** {@code sweeps} Jacobi sweeps of -Laplace(u) = f (unit spacing) with zero boundary values. */
    private float[] jacobi(float[] f, int h, int w) {
        float[] u = new float[h * w];
        float[] next = new float[h * w];
        for (int it = 0; it < sweeps; it++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float up = y > 0 ? u[(y - 1) * w + x] : 0f;
                    float dn = y < h - 1 ? u[(y + 1) * w + x] : 0f;
                    float lf = x > 0 ? u[y * w + x - 1] : 0f;
                    float rt = x < w - 1 ? u[y * w + x + 1] : 0f;
                    next[y * w + x] = 0.25f * (up + dn + lf + rt + f[y * w + x]);
                }
            }
            float[] t = u;
            u = next;
            next = t;
        }
        float max = 0;
        for (float v : u) {
            max = Math.max(max, Math.abs(v));
        }
        float[] src = sweeps == 0 ? f.clone() : u;
        if (sweeps == 0) {
            for (float v : src) {
                max = Math.max(max, Math.abs(v));
            }
        }
        if (max > 0) {
            for (int k = 0; k < src.length; k++) {
                src[k] /= max;
            }
        }
        return src;
    }

    /** Global input batch: samples {@code first .. first+n-1}, {@code channels} channels. */
    public Tensor inputs(int first, int n, int channels, int h, int w) {
        Tensor t = Tensor.zeros(n, channels, h, w);
        int plane = h * w;
        for (int s = 0; s < n; s++) {
            float[] f = fields(first + s, h, w)[0];
            for (int c = 0; c < channels; c++) {
                int base = (s * channels + c) * plane;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double mod = c == 0 ? 1 : Math.cos(Math.PI * ((c + 1) / 2) * (c % 2 == 1 ? x : y)
                                / Math.max(w, h));
                        t.data()[base + y * w + x] = (float) (f[y * w + x] * mod);
                    }
                }
            }
        }
        return t;
    }

    /** Global target batch for a network whose global output shape (for the whole batch) is {@code out}. */
    public Tensor targets(int first, Shape out, Loss loss, int h, int w) {
        int n = out.n();
        int oh = out.h();
        int ow = out.w();
        int channels = loss.targetChannels(out.c());
        Tensor t = Tensor.zeros(n, channels, oh, ow);
        for (int s = 0; s < n; s++) {
            float[][] fu = fields(first + s, h, w);
            for (int c = 0; c < channels; c++) {
                int base = (s * channels + c) * oh * ow;
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        float u = fu[1][(int) ((long) y * h / oh) * w + (int) ((long) x * w / ow)];
                        float v;
                        if (loss == Loss.MSE) {
                            v = u;
                        } else if (oh * ow == 1) {
                            v = (int) fu[2][0] % out.c();
                        } else {
                            v = Math.min(out.c() - 1, Math.max(0, (int) Math.floor(out.c() * (u + 1) / 2)));
                        }
                        t.data()[base + y * ow + x] = v;
                    }
                }
            }
        }
        return t;
    }
}
