package org.spatialconv.conv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/** Finite-difference gradient checks of activations, add/concat, global pooling, fully connected and losses. */
class PointwiseLayerGradientTest {
    private static final long SEED = 777L;
    private static final int CASES = 8;

    private static Shape randomShape(Random rnd) {
        return Shape.nchw(1 + rnd.nextInt(3), 1 + rnd.nextInt(3), 1 + rnd.nextInt(4), 1 + rnd.nextInt(4));
    }

    @Test
    void reluAndLeakyRelu() {
        Random rnd = new Random(SEED);
        int compared = 0;
        int expected = 0;
        for (int c = 0; c < CASES; c++) {
            float slope = c % 2 == 0 ? 0f : 0.1f + rnd.nextFloat() * 0.2f;
            Tensor x = GradCheck.distinct(rnd, randomShape(rnd), 4 * GradCheck.EPS);
            Tensor r = GradCheck.probe(rnd, x.shape());
            Tensor dx = Activations.backward(Threads.ONE, r, x, slope);
            expected += GradCheck.expected(List.of(x));
            compared += GradCheck.check("leaky relu " + slope, SEED, rnd, List.of(x),
                    in -> Activations.forward(Threads.ONE, in.get(0), slope), r, List.of(dx));
        }
        assertEquals(expected, compared);
    }

    @Test
    void residualAddAndConcat() {
        Random rnd = new Random(SEED + 1);
        int compared = 0;
        int expected = 0;
        for (int c = 0; c < CASES; c++) {
            Shape s = randomShape(rnd);
            Tensor a = GradCheck.random(rnd, s, 1);
            Tensor b = GradCheck.random(rnd, s, 1);
            Tensor r = GradCheck.probe(rnd, s);
            expected += GradCheck.expected(List.of(a, b));
            compared += GradCheck.check("add", SEED, rnd, List.of(a, b), in -> Elementwise.add(in.get(0), in.get(1)),
                    r, List.of(r, r));
            Tensor d = GradCheck.random(rnd, s.with(1, 1 + rnd.nextInt(3)), 1);
            Tensor rc = GradCheck.probe(rnd, s.with(1, s.c() + d.shape().c()));
            Tensor[] parts = Elementwise.split(rc, s.c(), d.shape().c());
            expected += GradCheck.expected(List.of(a, d));
            compared += GradCheck.check("concat", SEED, rnd, List.of(a, d),
                    in -> Elementwise.concat(List.of(in.get(0), in.get(1))), rc, List.of(parts[0], parts[1]));
        }
        assertEquals(expected, compared);
        assertThrows(IllegalArgumentException.class,
                () -> Elementwise.add(Tensor.zeros(1, 1, 2, 2), Tensor.zeros(1, 1, 2, 3)));
    }

    @Test
    void globalAveragePoolAndFullyConnected() {
        Random rnd = new Random(SEED + 2);
        int compared = 0;
        int expected = 0;
        for (int c = 0; c < CASES; c++) {
            Shape s = randomShape(rnd);
            Tensor x = GradCheck.random(rnd, s, 1);
            Tensor r = GradCheck.probe(rnd, Shape.nchw(s.n(), s.c(), 1, 1));
            Tensor dx = GlobalAvgPool.backward(r, s, (long) s.h() * s.w());
            expected += GradCheck.expected(List.of(x));
            compared += GradCheck.check("global avg pool", SEED, rnd, List.of(x),
                    in -> GlobalAvgPool.forward(in.get(0)), r, List.of(dx));

            int out = 1 + rnd.nextInt(4);
            Tensor w = GradCheck.random(rnd, Shape.of(out, s.size() / s.n()), 1);
            Tensor b = GradCheck.random(rnd, Shape.of(out), 1);
            Tensor rf = GradCheck.probe(rnd, Shape.nchw(s.n(), out, 1, 1));
            Tensor dxf = FullyConnected.backwardData(Threads.ONE, rf, w, s);
            Tensor dw = Tensor.zeros(w.shape());
            Tensor db = Tensor.zeros(b.shape());
            FullyConnected.backwardParams(Threads.ONE, rf, x, dw, db);
            expected += GradCheck.expected(List.of(x, w, b));
            compared += GradCheck.check("fully connected", SEED, rnd, List.of(x, w, b),
                    in -> FullyConnected.forward(Threads.ONE, in.get(0), in.get(1), in.get(2)), rf,
                    List.of(dxf, dw, db));
        }
        assertEquals(expected, compared);
    }

    @Test
    void losses() {
        Random rnd = new Random(SEED + 3);
        int compared = 0;
        int expected = 0;
        for (int c = 0; c < CASES; c++) {
            Shape s = randomShape(rnd);
            Tensor p = GradCheck.random(rnd, s, 1);
            Tensor t = GradCheck.random(rnd, s, 1);
            Tensor grad = Tensor.zeros(s);
            Losses.mse(p, t, s.size(), grad);
            // The loss is a scalar: probe it with r = [1] so the checker compares dL/dp directly.
            Tensor one = Tensor.zeros(1);
            one.fill(1f);
            expected += GradCheck.expected(List.of(p));
            compared += GradCheck.check("mse", SEED, rnd, List.of(p),
                    in -> scalar(Losses.mse(in.get(0), t, s.size(), Tensor.zeros(s))), one, List.of(grad));

            Tensor labels = Tensor.zeros(Shape.nchw(s.n(), 1, s.h(), s.w()));
            for (int i = 0; i < labels.data().length; i++) {
                labels.data()[i] = rnd.nextInt(s.c());
            }
            long count = (long) s.n() * s.h() * s.w();
            Tensor g2 = Tensor.zeros(s);
            Losses.softmaxCrossEntropy(p, labels, count, g2);
            expected += GradCheck.expected(List.of(p));
            compared += GradCheck.check("softmax cross-entropy", SEED, rnd, List.of(p),
                    in -> scalar(Losses.softmaxCrossEntropy(in.get(0), labels, count, Tensor.zeros(s))), one,
                    List.of(g2));
        }
        assertEquals(expected, compared);
    }

    @Test
    void crossEntropyOfUniformLogitsIsLogClasses() {
        Tensor logits = Tensor.zeros(2, 5, 3, 3);
        Tensor labels = Tensor.zeros(2, 1, 3, 3);
        labels.fill(4f);
        double loss = Losses.softmaxCrossEntropy(logits, labels, 18, Tensor.zeros(logits.shape()));
        assertEquals(Math.log(5), loss, 1e-9);
        labels.data()[0] = 5f;
        assertThrows(IllegalArgumentException.class,
                () -> Losses.softmaxCrossEntropy(logits, labels, 18, Tensor.zeros(logits.shape())));
    }

    /** A 1-element tensor holding a loss, rounded to float only at the very end of a double computation. */
    private static Tensor scalar(double v) {
        Tensor t = Tensor.zeros(1);
        t.data()[0] = (float) v;
        return t;
    }
}
