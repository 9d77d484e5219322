package org.spatialconv.conv.layers;

import java.util.ArrayList;
import java.util.List;

/**
 * Adam with L2 weight decay added to the gradient, as PyTorch's {@code Adam}: with bias corrections
 * {@code c1 = 1 - beta1^t}, {@code c2 = 1 - beta2^t},
 * {@code m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; w -= lr * (m/c1) / (sqrt(v/c2) + eps)}.
 */
public final class Adam implements Optimizer {
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final List<float[]> m = new ArrayList<>();
    private final List<float[]> v = new ArrayList<>();
    private int t;

    /** Validates and stores the hyper-parameters. */
    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        if (!(lr > 0) || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || !(eps > 0) || weightDecay < 0) {
            throw new IllegalArgumentException("Adam needs lr > 0, betas in [0,1), eps > 0, weight decay >= 0");
        }
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Adam with PyTorch's defaults for betas and eps. */
    public Adam(double lr) {
        this(lr, 0.9, 0.999, 1e-8, 0);
    }

    @Override
    public void step(List<Parameter> params) {
        if (m.isEmpty()) {
            for (Parameter p : params) {
                m.add(new float[p.shape().size()]);
                v.add(new float[p.shape().size()]);
            }
        }
        t++;
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        for (int p = 0; p < params.size(); p++) {
            float[] w = params.get(p).value().data();
            float[] g = params.get(p).grad().data();
            float[] mp = m.get(p);
            float[] vp = v.get(p);
            for (int i = 0; i < w.length; i++) {
                double gi = g[i] + weightDecay * w[i];
                double mi = beta1 * mp[i] + (1 - beta1) * gi;
                double vi = beta2 * vp[i] + (1 - beta2) * gi * gi;
                mp[i] = (float) mi;
                vp[i] = (float) vi;
                w[i] = (float) (w[i] - lr * (mi / c1) / (Math.sqrt(vi / c2) + eps));
            }
        }
    }
}
