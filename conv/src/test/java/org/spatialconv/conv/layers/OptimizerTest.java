package org.spatialconv.conv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.Tensor;

/** SGD and Adam: closed-form first steps and convergence on a quadratic. */
class OptimizerTest {
    private static final double TOL = 1e-6;

    private static Parameter param(float... v) {
        Tensor t = Tensor.zeros(v.length);
        System.arraycopy(v, 0, t.data(), 0, v.length);
        return new Parameter("p", t);
    }

    @Test
    void sgdMomentumAndWeightDecayClosedForm() {
        Parameter p = param(1f, -2f);
        Sgd sgd = new Sgd(0.1, 0.9, 0.01);
        p.grad().data()[0] = 0.5f;
        p.grad().data()[1] = -1f;
        sgd.step(List.of(p));
        // g = grad + wd*w; v1 = g; w1 = w - lr*g
        double g0 = 0.5 + 0.01 * 1;
        double w0 = 1 - 0.1 * g0;
        assertEquals(w0, p.value().data()[0], TOL);
        sgd.step(List.of(p)); // same gradient again: v2 = 0.9*v1 + (0.5 + wd*w1)
        double v2 = 0.9 * g0 + 0.5 + 0.01 * w0;
        assertEquals(w0 - 0.1 * v2, p.value().data()[0], TOL);
    }

    @Test
    void adamFirstStepIsLrTimesSign() {
        Parameter p = param(1f, -2f, 3f);
        p.grad().data()[0] = 0.3f;
        p.grad().data()[1] = -5f;
        p.grad().data()[2] = 1e-3f;
        new Adam(0.01).step(List.of(p));
        // Bias-corrected m/sqrt(v) is g/|g| on step 1.
        assertEquals(1 - 0.01, p.value().data()[0], 1e-5);
        assertEquals(-2 + 0.01, p.value().data()[1], 1e-5);
        assertEquals(3 - 0.01, p.value().data()[2], 1e-4);
    }

    @Test
    void bothConvergeOnAQuadratic() {
        int checked = 0;
        for (Optimizer opt : List.of(new Sgd(0.05, 0.9, 0), new Adam(0.05))) {
            Parameter p = param(3f, -4f);
            for (int it = 0; it < 400; it++) {
                // L = 0.5*|w - (1,2)|^2
                p.grad().data()[0] = p.value().data()[0] - 1f;
                p.grad().data()[1] = p.value().data()[1] - 2f;
                opt.step(List.of(p));
            }
            assertEquals(1.0, p.value().data()[0], 1e-2, opt.getClass().getSimpleName());
            assertEquals(2.0, p.value().data()[1], 1e-2, opt.getClass().getSimpleName());
            checked++;
        }
        assertEquals(2, checked);
    }

    @Test
    void rejectsBadHyperParameters() {
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0, 0.9, 0));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 1.0, 0.999, 1e-8, 0));
        assertTrue(new Sgd(0.1, 0, 0) != null);
    }
}
