package org.spatialconv.decomposition.net;

import java.util.Random;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/** Deterministic parameter initialisation (identical on every rank because the seed is). */
final class Init {
    private Init() {
    }

    /** Uniform in {@code [-sqrt(6/fanIn), sqrt(6/fanIn))} (He uniform, suited to ReLU networks). */
    static Tensor heUniform(Random rnd, Shape s, int fanIn) {
        double bound = Math.sqrt(6.0 / Math.max(1, fanIn));
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.data().length; i++) {
            t.data()[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
        return t;
    }

    static Tensor constant(Shape s, float v) {
        Tensor t = Tensor.zeros(s);
        t.fill(v);
        return t;
    }
}
