package org.spatialconv.conv.layers;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Batch normalization kernels over N and the spatial dimensions, per channel. Every reduction is split into a
 * local partial sum and a finishing step, so a distributed caller allreduces the partial sums between the two and
 * gets statistics over all samples and all spatial partitions:
 * <pre>
 *   forward:  s = partialSums(x)            [allreduce s]   st = stats(s, eps)   y = forward(x, st, gamma, beta)
 *   backward: b = backwardSums(dy, x, st)   [allreduce b]   dx = backwardData(dy, x, st, gamma, b)
 *             dgamma = b[C + c] and dbeta = b[c], from the local or the reduced sums
 * </pre>
 * Math: {@code xhat = (x - mean) * invStd}, {@code invStd = 1/sqrt(var + eps)} with the biased batch variance;
 * {@code dx = gamma*invStd/M * (M*dy - sum(dy) - xhat*sum(dy*xhat))} over the M elements of a channel.
 * Sums are kept in double so {@code E[x^2] - mean^2} does not cancel catastrophically.
 */
public final class BatchNorm {
    private BatchNorm() {
    }

    /**
     * Normalization statistics of one batch (or the running averages in inference mode).
     *
     * @param mean per channel
     * @param var biased variance per channel
     * @param invStd {@code 1/sqrt(var + eps)}
     * @param count elements per channel the statistics were taken over (0 for running averages)
     */
    public record Stats(double[] mean, double[] var, double[] invStd, long count) {
    }

    /**
     * Local partial sums: {@code [sum_c(x) for c..., sum_c(x^2) for c..., count]}, length {@code 2C+1}.
     * Sum these element-wise over ranks before calling {@link #stats}.
     */
    public static double[] partialSums(Threads threads, Tensor x) {
        Shape s = x.shape();
        int c = s.c();
        int plane = s.size() / (s.n() * c);
        double[][] per = new double[c][2];
        float[] xd = x.data();
        threads.forEach(c, (long) plane * s.n(), ch -> {
            double sum = 0;
            double sq = 0;
            for (int n = 0; n < s.n(); n++) {
                int base = (n * c + ch) * plane;
                for (int i = 0; i < plane; i++) {
                    double v = xd[base + i];
                    sum += v;
                    sq += v * v;
                }
            }
            per[ch][0] = sum;
            per[ch][1] = sq;
        });
        double[] out = new double[2 * c + 1];
        for (int ch = 0; ch < c; ch++) {
            out[ch] = per[ch][0];
            out[c + ch] = per[ch][1];
        }
        out[2 * c] = (double) s.n() * plane;
        return out;
    }

    /** Batch statistics from (reduced) partial sums. */
    public static Stats stats(double[] sums, double eps) {
        int c = (sums.length - 1) / 2;
        double m = sums[2 * c];
        if (m < 1) {
            throw new IllegalArgumentException("batch norm over zero elements");
        }
        double[] mean = new double[c];
        double[] var = new double[c];
        double[] inv = new double[c];
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = sums[ch] / m;
            var[ch] = Math.max(0.0, sums[c + ch] / m - mean[ch] * mean[ch]);
            inv[ch] = 1.0 / Math.sqrt(var[ch] + eps);
        }
        return new Stats(mean, var, inv, (long) m);
    }

    /** Inference-mode statistics from running averages. */
    public static Stats inference(Tensor runningMean, Tensor runningVar, double eps) {
        int c = runningMean.shape().size();
        double[] mean = new double[c];
        double[] var = new double[c];
        double[] inv = new double[c];
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = runningMean.data()[ch];
            var[ch] = runningVar.data()[ch];
            inv[ch] = 1.0 / Math.sqrt(var[ch] + eps);
        }
        return new Stats(mean, var, inv, 0);
    }

    /**
     * Updates running averages as PyTorch does: {@code r = (1-momentum)*r + momentum*batch}, with the unbiased
     * variance {@code var * M/(M-1)}.
     */
    public static void updateRunning(Tensor runningMean, Tensor runningVar, Stats st, double momentum) {
        float[] rm = runningMean.data();
        float[] rv = runningVar.data();
        double unbias = st.count() > 1 ? (double) st.count() / (st.count() - 1) : 1.0;
        for (int ch = 0; ch < rm.length; ch++) {
            rm[ch] = (float) ((1 - momentum) * rm[ch] + momentum * st.mean()[ch]);
            rv[ch] = (float) ((1 - momentum) * rv[ch] + momentum * st.var()[ch] * unbias);
        }
    }

    /** y = gamma * (x - mean) * invStd + beta, into a new tensor. */
    public static Tensor forward(Threads threads, Tensor x, Stats st, Tensor gamma, Tensor beta) {
        Shape s = x.shape();
        int c = s.c();
        int plane = s.size() / (s.n() * c);
        Tensor y = Tensor.zeros(s);
        float[] xd = x.data();
        float[] yd = y.data();
        threads.forEach(s.n() * c, plane, nc -> {
            int ch = nc % c;
            double scale = gamma.data()[ch] * st.invStd()[ch];
            double shift = beta.data()[ch] - st.mean()[ch] * scale;
            int base = nc * plane;
            for (int i = 0; i < plane; i++) {
                yd[base + i] = (float) (xd[base + i] * scale + shift);
            }
        });
        return y;
    }

    /** Local backward partial sums: {@code [sum_c(dy) for c..., sum_c(dy*xhat) for c...]}, length 2C. */
    public static double[] backwardSums(Threads threads, Tensor dy, Tensor x, Stats st) {
        Shape s = x.shape();
        int c = s.c();
        int plane = s.size() / (s.n() * c);
        double[][] per = new double[c][2];
        float[] xd = x.data();
        float[] g = dy.data();
        threads.forEach(c, (long) plane * s.n(), ch -> {
            double sd = 0;
            double sdx = 0;
            double mean = st.mean()[ch];
            double inv = st.invStd()[ch];
            for (int n = 0; n < s.n(); n++) {
                int base = (n * c + ch) * plane;
                for (int i = 0; i < plane; i++) {
                    double d = g[base + i];
                    sd += d;
                    sdx += d * (xd[base + i] - mean) * inv;
                }
            }
            per[ch][0] = sd;
            per[ch][1] = sdx;
        });
        double[] out = new double[2 * c];
        for (int ch = 0; ch < c; ch++) {
            out[ch] = per[ch][0];
            out[c + ch] = per[ch][1];
        }
        return out;
    }

    /**
     * dx from the (reduced) backward sums. In training mode the statistics depend on x, which adds the two sum
     * terms; in inference mode ({@code training == false}) they are constants and dx = gamma*invStd*dy.
     */
    public static Tensor backwardData(Threads threads, Tensor dy, Tensor x, Stats st, Tensor gamma, double[] sums,
            boolean training) {
        Shape s = x.shape();
        int c = s.c();
        int plane = s.size() / (s.n() * c);
        Tensor dx = Tensor.zeros(s);
        float[] xd = x.data();
        float[] g = dy.data();
        float[] out = dx.data();
        double m = st.count();
        threads.forEach(s.n() * c, plane, nc -> {
            int ch = nc % c;
            double inv = st.invStd()[ch];
            double k = gamma.data()[ch] * inv;
            double mean = st.mean()[ch];
            int base = nc * plane;
            if (!training) {
                for (int i = 0; i < plane; i++) {
                    out[base + i] = (float) (k * g[base + i]);
                }
                return;
            }
            double sd = sums[ch] / m;
            double sdx = sums[c + ch] / m;
            for (int i = 0; i < plane; i++) {
                double xhat = (xd[base + i] - mean) * inv;
                out[base + i] = (float) (k * (g[base + i] - sd - xhat * sdx));
            }
        });
        return dx;
    }

    /** Adds the parameter gradients held in backward sums: dgamma += sums[C+c], dbeta += sums[c]. */
    public static void accumulateParamGrads(double[] sums, Tensor dGamma, Tensor dBeta) {
        int c = dGamma.shape().size();
        for (int ch = 0; ch < c; ch++) {
            dBeta.data()[ch] += (float) sums[ch];
            dGamma.data()[ch] += (float) sums[c + ch];
        }
    }
}
