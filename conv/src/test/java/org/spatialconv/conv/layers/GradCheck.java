package org.spatialconv.conv.layers;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Finite-difference gradient checker. The scalar probed is {@code L = sum_i r_i * y_i} with fixed random weights
 * {@code r}, evaluated in float64 from the layer's float32 output; the analytic gradient is the layer's backward
 * pass with {@code dy = r}. Central differences with step {@link #EPS} on a random sample of input elements.
 */
final class GradCheck {
    /** Finite-difference step. Inputs of piecewise-linear layers are generated at least 4*EPS from every kink. */
    static final double EPS = 1e-2;
    /** Largest accepted |analytic - numeric| / max(|numeric|, FLOOR). Float32 forward noise over 2*EPS sets it. */
    static final double TOL = 3e-3;
    /** Scale below which gradients are compared absolutely. */
    static final double FLOOR = 0.05;
    /** Elements probed per input tensor. */
    static final int PROBES = 24;

    private GradCheck() {
    }

    /** Random weights for the probe loss, shaped like the output. */
    static Tensor probe(Random rnd, Shape s) {
        return random(rnd, s, 1.0);
    }

    /** Uniform random tensor in [-scale, scale). */
    static Tensor random(Random rnd, Shape s, double scale) {
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.data().length; i++) {
            t.data()[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return t;
    }

    /** A tensor of distinct values spaced {@code gap} apart, none within gap/2 of zero, in random order. */
    static Tensor distinct(Random rnd, Shape s, double gap) {
        Tensor t = Tensor.zeros(s);
        int n = t.data().length;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        for (int i = 0; i < n; i++) {
            t.data()[i] = (float) ((perm[i] - n / 2 + 0.5) * gap);
        }
        return t;
    }

    /** How many elements {@link #check} probes for these inputs. */
    static int expected(List<Tensor> inputs) {
        int n = 0;
        for (Tensor t : inputs) {
            n += Math.min(PROBES, t.data().length);
        }
        return n;
    }

    static double dot(Tensor a, Tensor r) {
        double s = 0;
        for (int i = 0; i < a.data().length; i++) {
            s += (double) a.data()[i] * r.data()[i];
        }
        return s;
    }

    /**
     * Checks analytic gradients of {@code inputs} against central differences.
     *
     * @param forward computes the output from the current contents of {@code inputs}
     * @param analytic the gradients, one per input, for {@code dy = r}
     * @return number of elements compared
     */
    static int check(String what, long seed, Random rnd, List<Tensor> inputs, Function<List<Tensor>, Tensor> forward,
            Tensor r, List<Tensor> analytic) {
        int compared = 0;
        for (int k = 0; k < inputs.size(); k++) {
            Tensor x = inputs.get(k);
            float[] d = x.data();
            int probes = Math.min(PROBES, d.length);
            for (int p = 0; p < probes; p++) {
                int i = d.length <= PROBES ? p : rnd.nextInt(d.length);
                float orig = d[i];
                d[i] = (float) (orig + EPS);
                double up = dot(forward.apply(inputs), r);
                d[i] = (float) (orig - EPS);
                double down = dot(forward.apply(inputs), r);
                double step = ((double) (float) (orig + EPS) - (float) (orig - EPS));
                d[i] = orig;
                double numeric = (up - down) / step;
                double got = analytic.get(k).data()[i];
                double err = Math.abs(got - numeric) / Math.max(Math.abs(numeric), FLOOR);
                if (err > TOL) {
                    fail(what + ": input " + k + " element " + i + " analytic " + got + " numeric " + numeric
                            + " (rel err " + err + " > " + TOL + ", seed " + seed + ")");
                }
                compared++;
            }
        }
        return compared;
    }
}
