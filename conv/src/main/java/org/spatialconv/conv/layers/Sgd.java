package org.spatialconv.conv.layers;

import java.util.ArrayList;
import java.util.List;

/**
 * SGD with momentum and L2 weight decay, as PyTorch's {@code SGD} (dampening 0, no Nesterov):
 * {@code g = grad + wd*w; v = momentum*v + g; w -= lr*v} ({@code v = g} on the first step).
 */
public final class Sgd implements Optimizer {
    private final double lr;
    private final double momentum;
    private final double weightDecay;
    private final List<float[]> velocity = new ArrayList<>();

    /** Validates and stores the hyper-parameters. */
    public Sgd(double lr, double momentum, double weightDecay) {
        if (!(lr > 0) || momentum < 0 || momentum >= 1 || weightDecay < 0) {
            throw new IllegalArgumentException("SGD needs lr > 0, momentum in [0,1), weight decay >= 0; got lr=" + lr
                    + " momentum=" + momentum + " weightDecay=" + weightDecay);
        }
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(List<Parameter> params) {
        boolean first = velocity.isEmpty();
        for (int p = 0; p < params.size(); p++) {
            float[] w = params.get(p).value().data();
            float[] g = params.get(p).grad().data();
            if (first) {
                velocity.add(new float[w.length]);
            }
            float[] v = velocity.get(p);
            for (int i = 0; i < w.length; i++) {
                double gi = g[i] + weightDecay * w[i];
                double vi = first ? gi : momentum * v[i] + gi;
                v[i] = (float) vi;
                w[i] = (float) (w[i] - lr * vi);
            }
        }
    }
}
