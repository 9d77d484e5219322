package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * {@link CudaOps} against float64 loops written here: ReLU, bias add, batch-norm forward/backward, max/average
 * pooling, SGD-momentum and Adam, over random shapes. Where the kernels run is the subclass's: replayed through the
 * emulated kernels ({@link CudaOpsReplayTest}) or launched on a CUDA device through JCuda ({@link CudaOpsTest}).
 */
abstract class CudaOpsContract {
    /** Device memory and launches for one case; {@link #finish} runs what was launched and reads the arrays back. */
    interface Device extends AutoCloseable {
        /** A device array holding a copy of {@code data}. */
        DeviceArray array(float[] data);

        CudaOps ops();

        /** The stream the ops run on (null where the device has none). */
        CudaStream stream();

        /** Runs or waits for the launched work; afterwards {@link #read} gives the arrays' contents. */
        void finish();

        float[] read(DeviceArray a);

        @Override
        void close();
    }

    /** A fresh device for one case. */
    abstract Device open() throws Exception;

    private static final double TOLERANCE = 1e-5;
    /** Batch-norm dx is a difference of nearly equal terms: a looser, named bound against float64. */
    private static final double BN_DX_TOLERANCE = 1e-4;
    private static final long SEED = 0x0B5EEDL;
    private static final int CASES = 6;

    private static float[] random(Random rnd, int n, float scale, float offset) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (rnd.nextFloat() * 2 - 1) * scale + offset;
        }
        return f;
    }

    private static void near(float[] got, double[] want, double tol, String what) {
        double e = ReferenceConv.relativeL2(got, want);
        assertTrue(e < tol, what + ": relative L2 " + e + " >= " + tol + " (seed " + SEED + ")");
    }

    @Test
    void opsMatchFloat64Loops() throws Exception {
        Random rnd = new Random(SEED);
        int checked = 0;
        for (int t = 0; t < CASES; t++) {
            Shape s = Shape.nchw(1 + rnd.nextInt(3), 1 + rnd.nextInt(4), 2 + rnd.nextInt(9), 2 + rnd.nextInt(9));
            int n = s.size();
            int c = s.c();
            int hw = s.h() * s.w();
            float[] x = random(rnd, n, 3f, 5f);
            float[] dy = random(rnd, n, 1f, 0f);
            float[] gamma = random(rnd, c, 1f, 0f);
            float[] beta = random(rnd, c, 1f, 0f);
            float[] bias = random(rnd, c, 1f, 0f);
            CudaOps.Pool pool = new CudaOps.Pool(1 + rnd.nextInt(Math.min(3, s.h())), 1 + rnd.nextInt(Math.min(3, s.w())),
                    1 + rnd.nextInt(2), 1 + rnd.nextInt(2),
                    0, 0);
            pool = new CudaOps.Pool(pool.kh(), pool.kw(), pool.sh(), pool.sw(), rnd.nextInt(pool.kh() / 2 + 1),
                    rnd.nextInt(pool.kw() / 2 + 1));
            Shape ps = pool.outputShape(s);
            float[] pdy = random(rnd, ps.size(), 1f, 0f);
            float[] w = random(rnd, n, 1f, 0f);
            float[] g = random(rnd, n, 1f, 0f);
            float[] v0 = random(rnd, n, 1f, 0f);
            float[] m0 = random(rnd, n, 1f, 0f);
            float[] v2 = random(rnd, n, 0.5f, 0.5f); // Adam's second moment is non-negative
            int h0 = rnd.nextInt(s.h());
            int h1 = h0 + 1 + rnd.nextInt(s.h() - h0);
            int w0 = rnd.nextInt(s.w());
            int w1 = w0 + 1 + rnd.nextInt(s.w() - w0);
            final float eps = 1e-5f;
            final float lr = 0.1f;
            final float mu = 0.9f;
            final float wd = 0.01f;
            final float b1 = 0.9f;
            final float b2 = 0.999f;
            final float aeps = 1e-8f;
            final int step = 1 + rnd.nextInt(5);

            try (Device dev = open()) {
                CudaOps ops = dev.ops();
                CudaStream st = dev.stream();
                DeviceArray hx = dev.array(x.clone());
                DeviceArray hdy = dev.array(dy.clone());
                DeviceArray hrelu = dev.array(new float[n]);
                DeviceArray hrelub = dev.array(new float[n]);
                DeviceArray hbiasY = dev.array(dy.clone());
                DeviceArray hbias = dev.array(bias);
                DeviceArray hgamma = dev.array(gamma);
                DeviceArray hbeta = dev.array(beta);
                DeviceArray hmean = dev.array(new float[c]);
                DeviceArray hinv = dev.array(new float[c]);
                DeviceArray hy = dev.array(new float[n]);
                DeviceArray hdg = dev.array(new float[c]);
                DeviceArray hdb = dev.array(new float[c]);
                DeviceArray hdx = dev.array(new float[n]);
                DeviceArray[] py = new DeviceArray[2];
                DeviceArray[] parg = new DeviceArray[2];
                DeviceArray[] pdx = new DeviceArray[2];
                DeviceArray hpdy = dev.array(pdy);
                DeviceArray hw1 = dev.array(w.clone());
                DeviceArray hw2 = dev.array(w.clone());
                DeviceArray hg = dev.array(g);
                DeviceArray hv = dev.array(v0.clone());
                DeviceArray hm = dev.array(m0.clone());
                DeviceArray hv2 = dev.array(v2.clone());
                ops.reluForward(hdy, hrelu, n, st);
                ops.reluBackward(hrelu, hx, hrelub, n, st);
                ops.biasAdd(hbiasY, s, hbias, h0, h1, w0, w1, st);
                ops.batchNormStats(hx, s, hmean, hinv, eps, st);
                ops.batchNormApply(hx, s, hy, hmean, hinv, hgamma, hbeta, st);
                ops.batchNormBackward(hx, hdy, s, hmean, hinv, hgamma, hdg, hdb, hdx, st);
                for (int k = 0; k < 2; k++) {
                    py[k] = dev.array(new float[ps.size()]);
                    parg[k] = dev.array(new float[ps.size()]);
                    pdx[k] = dev.array(new float[n]);
                    ops.poolForward(hx, s, pool, py[k], parg[k], k == 1, st);
                    ops.poolBackward(hpdy, parg[k], pdx[k], s, pool, k == 1, st);
                }
                ops.sgdMomentum(hw1, hg, hv, n, lr, mu, wd, false, st);
                ops.adam(hw2, hg, hm, hv2, n, lr, b1, b2, aeps, wd, step, st);
                dev.finish();

                double[] relu = new double[n];
                double[] relub = new double[n];
                double[] biasY = new double[n];
                for (int i = 0; i < n; i++) {
                    relu[i] = Math.max(dy[i], 0f);
                    relub[i] = relu[i] > 0 ? x[i] : 0;
                    int k = (i / hw) % c;
                    int a = (i / s.w()) % s.h();
                    int b = i % s.w();
                    biasY[i] = dy[i] + (a >= h0 && a < h1 && b >= w0 && b < w1 ? bias[k] : 0);
                }
                near(dev.read(hrelu), relu, TOLERANCE, "relu forward");
                near(dev.read(hrelub), relub, TOLERANCE, "relu backward");
                near(dev.read(hbiasY), biasY, TOLERANCE, "bias add");
                checked += 3;

                double m = (double) s.n() * hw;
                double[] mean = new double[c];
                double[] var = new double[c];
                double[] inv = new double[c];
                for (int i = 0; i < n; i++) {
                    mean[(i / hw) % c] += x[i] / m;
                }
                for (int i = 0; i < n; i++) {
                    double d = x[i] - mean[(i / hw) % c];
                    var[(i / hw) % c] += d * d / m;
                }
                double[] y = new double[n];
                double[] dg = new double[c];
                double[] db = new double[c];
                double[] dx = new double[n];
                for (int k = 0; k < c; k++) {
                    inv[k] = 1 / Math.sqrt(var[k] + eps);
                }
                for (int i = 0; i < n; i++) {
                    int k = (i / hw) % c;
                    double xh = (x[i] - mean[k]) * inv[k];
                    y[i] = xh * gamma[k] + beta[k];
                    dg[k] += dy[i] * xh;
                    db[k] += dy[i];
                }
                for (int i = 0; i < n; i++) {
                    int k = (i / hw) % c;
                    double xh = (x[i] - mean[k]) * inv[k];
                    dx[i] = gamma[k] * inv[k] / m * (m * dy[i] - db[k] - xh * dg[k]);
                }
                near(dev.read(hmean), mean, TOLERANCE, "bn mean");
                near(dev.read(hinv), inv, TOLERANCE, "bn invstd");
                near(dev.read(hy), y, TOLERANCE, "bn apply");
                near(dev.read(hdg), dg, TOLERANCE, "bn dgamma");
                near(dev.read(hdb), db, TOLERANCE, "bn dbeta");
                near(dev.read(hdx), dx, BN_DX_TOLERANCE, "bn dx");
                checked += 6;

                for (int k = 0; k < 2; k++) {
                    boolean max = k == 1;
                    double[] want = new double[ps.size()];
                    double[] wantDx = new double[n];
                    for (int o = 0; o < ps.size(); o++) {
                        int ow = o % ps.w();
                        int oh = (o / ps.w()) % ps.h();
                        int nc = o / (ps.w() * ps.h());
                        double best = Double.NEGATIVE_INFINITY;
                        double sum = 0;
                        int arg = -1;
                        int cnt = 0;
                        for (int a = oh * pool.sh() - pool.ph(); a < oh * pool.sh() - pool.ph() + pool.kh(); a++) {
                            for (int b = ow * pool.sw() - pool.pw(); b < ow * pool.sw() - pool.pw() + pool.kw(); b++) {
                                if (a < 0 || a >= s.h() || b < 0 || b >= s.w()) {
                                    continue;
                                }
                                int i = (nc * s.h() + a) * s.w() + b;
                                sum += x[i];
                                cnt++;
                                if (x[i] > best) {
                                    best = x[i];
                                    arg = i;
                                }
                            }
                        }
                        want[o] = max ? best : sum / cnt;
                        if (max) {
                            wantDx[arg] += pdy[o];
                        } else {
                            for (int a = Math.max(oh * pool.sh() - pool.ph(), 0);
                                    a < Math.min(oh * pool.sh() - pool.ph() + pool.kh(), s.h()); a++) {
                                for (int b = Math.max(ow * pool.sw() - pool.pw(), 0);
                                        b < Math.min(ow * pool.sw() - pool.pw() + pool.kw(), s.w()); b++) {
                                    wantDx[(nc * s.h() + a) * s.w() + b] += pdy[o] / cnt;
                                }
                            }
                        }
                    }
                    near(dev.read(py[k]), want, TOLERANCE, (max ? "max" : "avg") + " pool forward " + pool);
                    near(dev.read(pdx[k]), wantDx, TOLERANCE, (max ? "max" : "avg") + " pool backward " + pool);
                    checked += 2;
                }

                double[] sgd = new double[n];
                double[] adam = new double[n];
                double bc1 = 1 - Math.pow(b1, step);
                double bc2 = 1 - Math.pow(b2, step);
                for (int i = 0; i < n; i++) {
                    double ge = g[i] + (double) wd * w[i];
                    sgd[i] = w[i] - lr * (mu * v0[i] + ge);
                    double mm = b1 * m0[i] + (1 - b1) * ge;
                    double vv = b2 * v2[i] + (1 - b2) * ge * ge;
                    adam[i] = w[i] - lr * (mm / bc1) / (Math.sqrt(vv / bc2) + aeps);
                }
                near(dev.read(hw1), sgd, TOLERANCE, "sgd momentum");
                near(dev.read(hw2), adam, TOLERANCE, "adam step " + step);
                checked += 2;
            }
        }
        assertEquals(CASES * 15, checked);
    }
}
