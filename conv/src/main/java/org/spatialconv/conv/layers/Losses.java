package org.spatialconv.conv.layers;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Losses normalised by a global count supplied by the caller, so the partial losses of the ranks of a
 * decomposition sum to exactly the single-rank loss, and every rank's gradient is its part of the single-rank
 * gradient. Each method returns the local partial loss and writes the gradient of the full loss w.r.t. the local
 * predictions into {@code grad}.
 */
public final class Losses {
    private Losses() {
    }

    /**
     * Mean squared error {@code sum (p - t)^2 / globalCount}.
     *
     * @param globalCount number of elements of the whole (global) prediction tensor
     */
    public static double mse(Tensor pred, Tensor target, long globalCount, Tensor grad) {
        if (!pred.shape().equals(target.shape())) {
            throw new IllegalArgumentException("prediction " + pred.shape() + " and target " + target.shape()
                    + " differ");
        }
        float[] p = pred.data();
        float[] t = target.data();
        float[] g = grad.data();
        double loss = 0;
        double scale = 2.0 / globalCount;
        for (int i = 0; i < p.length; i++) {
            double d = (double) p[i] - t[i];
            loss += d * d;
            g[i] = (float) (scale * d);
        }
        return loss / globalCount;
    }

    /**
     * Softmax cross-entropy over the channel dimension at every sample and spatial position:
     * {@code -sum log softmax(logits)[label] / globalCount}.
     *
     * @param labels N,1,spatial tensor of class indices (stored as floats)
     * @param globalCount number of (sample, position) pairs in the whole batch
     */
    public static double softmaxCrossEntropy(Tensor logits, Tensor labels, long globalCount, Tensor grad) {
        Shape s = logits.shape();
        int c = s.c();
        int plane = s.size() / (s.n() * c);
        if (labels.shape().size() != s.n() * plane) {
            throw new IllegalArgumentException("labels " + labels.shape() + " do not match logits " + s);
        }
        float[] x = logits.data();
        float[] lab = labels.data();
        float[] g = grad.data();
        double loss = 0;
        for (int n = 0; n < s.n(); n++) {
            for (int i = 0; i < plane; i++) {
                int base = n * c * plane + i;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) {
                    max = Math.max(max, x[base + k * plane]);
                }
                double z = 0;
                for (int k = 0; k < c; k++) {
                    z += Math.exp(x[base + k * plane] - max);
                }
                int label = (int) lab[n * plane + i];
                if (label < 0 || label >= c || label != lab[n * plane + i]) {
                    throw new IllegalArgumentException("label " + lab[n * plane + i] + " is not a class in [0, " + c
                            + ")");
                }
                loss += Math.log(z) + max - x[base + label * plane];
                for (int k = 0; k < c; k++) {
                    double p = Math.exp(x[base + k * plane] - max) / z;
                    g[base + k * plane] = (float) ((p - (k == label ? 1 : 0)) / globalCount);
                }
            }
        }
        return loss / globalCount;
    }
}
