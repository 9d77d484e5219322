package org.spatialconv.conv.layers;

import java.util.List;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Residual add and channel concatenation (U-Net skip connections) with their backward passes. These are local on
 * every decomposition: inputs with the same distribution hold the same spatial block.
 */
public final class Elementwise {
    private Elementwise() {
    }

    /** a + b into a new tensor; the backward pass hands dy to both inputs unchanged. */
    public static Tensor add(Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new IllegalArgumentException("cannot add tensors of shapes " + a.shape() + " and " + b.shape());
        }
        Tensor y = Tensor.zeros(a.shape());
        float[] x = a.data();
        float[] z = b.data();
        float[] o = y.data();
        for (int i = 0; i < o.length; i++) {
            o[i] = x[i] + z[i];
        }
        return y;
    }

    /** Concatenates along channels; all inputs must agree in N and spatial dimensions. */
    public static Tensor concat(List<Tensor> parts) {
        Shape s0 = parts.get(0).shape();
        int c = 0;
        for (Tensor t : parts) {
            Shape s = t.shape();
            if (s.rank() != s0.rank() || s.n() != s0.n() || s.size() / (s.n() * s.c()) != s0.size() / (s0.n() * s0.c())
                    || s.h() != s0.h() || s.w() != s0.w()) {
                throw new IllegalArgumentException("cannot concatenate " + s + " with " + s0
                        + ": N and spatial dimensions differ");
            }
            c += s.c();
        }
        Tensor y = Tensor.zeros(s0.with(1, c));
        int plane = s0.size() / (s0.n() * s0.c());
        float[] out = y.data();
        for (int n = 0; n < s0.n(); n++) {
            int at = n * c * plane;
            for (Tensor t : parts) {
                int len = t.shape().c() * plane;
                System.arraycopy(t.data(), n * len, out, at, len);
                at += len;
            }
        }
        return y;
    }

    /** Splits {@code dy} along channels into pieces of the given channel counts (the backward of concat). */
    public static Tensor[] split(Tensor dy, int... channels) {
        Shape s = dy.shape();
        int total = 0;
        for (int c : channels) {
            total += c;
        }
        if (total != s.c()) {
            throw new IllegalArgumentException("split sizes sum to " + total + " but tensor has " + s.c()
                    + " channels");
        }
        int plane = s.size() / (s.n() * s.c());
        Tensor[] out = new Tensor[channels.length];
        for (int k = 0; k < channels.length; k++) {
            out[k] = Tensor.zeros(s.with(1, channels[k]));
        }
        for (int n = 0; n < s.n(); n++) {
            int at = n * s.c() * plane;
            for (int k = 0; k < channels.length; k++) {
                int len = channels[k] * plane;
                System.arraycopy(dy.data(), at, out[k].data(), n * len, len);
                at += len;
            }
        }
        return out;
    }
}
