package org.spatialconv.conv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.reference.ReferenceConv;

/** Forward oracles and finite-difference gradient checks of the spatial layers over random geometries. */
class SpatialLayerGradientTest {
    private static final long SEED = 20261124L;
    private static final int CASES = 12;
    /** Forward against the float64 oracle. */
    private static final double FORWARD_TOL = 1e-5;

    private final Backend backend = new ReferenceBackend();

    @Test
    void transposedConvolution() {
        Random rnd = new Random(SEED);
        int compared = 0;
        int expected = 0;
        for (int c = 0; c < CASES; c++) {
            int stride = 1 + rnd.nextInt(3);
            int k = 1 + rnd.nextInt(4);
            int dil = 1 + rnd.nextInt(2);
            int groups = 1 + rnd.nextInt(2);
            int pad = rnd.nextInt(dil * (k - 1) + 1);
            int padHi = rnd.nextInt(dil * (k - 1) + 1);
            ConvGeometry g = new ConvGeometry(new int[] {k, k}, new int[] {stride, stride}, new int[] {pad, 0},
                    new int[] {padHi, pad}, new int[] {dil, dil}, groups);
            TransposedConv t = new TransposedConv(g, rnd.nextInt(stride), rnd.nextInt(stride));
            int cin = groups * (1 + rnd.nextInt(2));
            int coutG = 1 + rnd.nextInt(2);
            Tensor x = GradCheck.random(rnd, Shape.nchw(1 + rnd.nextInt(2), cin, 2 + rnd.nextInt(4),
                    2 + rnd.nextInt(4)), 1);
            Tensor w = GradCheck.random(rnd, Shape.nchw(cin, coutG, k, k), 1);
            Tensor b = GradCheck.random(rnd, Shape.of(coutG * groups), 1);
            Shape ys;
            try {
                ys = t.outputShape(x.shape(), w.shape());
            } catch (IllegalArgumentException empty) {
                c--;
                continue;
            }
            Tensor y = t.forward(backend, x, w, b);
            double[] want = ReferenceConv.backwardData(x, w, g, ys);
            for (int i = 0; i < want.length; i++) {
                want[i] += b.data()[(i / (ys.h() * ys.w())) % ys.c()];
            }
            assertTrue(ReferenceConv.relativeL2(y.data(), want) < FORWARD_TOL, "forward case " + c);
            Tensor r = GradCheck.probe(rnd, ys);
            Tensor dx = t.backwardData(backend, r, w, x.shape());
            Tensor dw = Tensor.zeros(w.shape());
            t.backwardFilter(backend, x, r, dw, false);
            Tensor db = Tensor.zeros(b.shape());
            backend.biasBackward(r, db);
            expected += GradCheck.expected(List.of(x, w, b));
            compared += GradCheck.check("transposed conv " + g, SEED, rnd, List.of(x, w, b),
                    in -> t.forward(backend, in.get(0), in.get(1), in.get(2)), r, List.of(dx, dw, db));
        }
        assertEquals(expected, compared, "every probe compared");
        assertTrue(compared >= CASES * 3, "compared " + compared);
    }

    @Test
    void transposedConvolutionRejectsBadOutputPadding() {
        ConvGeometry g = ConvGeometry.square(3, 2, 1, 1, 1);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TransposedConv(g, 2, 0));
    }

    @Test
    void batchNormTrainingAndInference() {
        Random rnd = new Random(SEED + 1);
        int compared = 0;
        int expected = 0;
        for (int c = 0; c < CASES; c++) {
            boolean training = c % 3 != 2;
            Shape s = Shape.nchw(1 + rnd.nextInt(3), 1 + rnd.nextInt(3), 1 + rnd.nextInt(4), 2 + rnd.nextInt(4));
            Tensor x = GradCheck.random(rnd, s, 2);
            Tensor gamma = GradCheck.random(rnd, Shape.of(s.c()), 1.5);
            Tensor beta = GradCheck.random(rnd, Shape.of(s.c()), 1);
            Tensor rm = GradCheck.random(rnd, Shape.of(s.c()), 0.5);
            Tensor rv = GradCheck.random(rnd, Shape.of(s.c()), 0.5);
            for (int i = 0; i < s.c(); i++) {
                rv.data()[i] += 1f;
            }
            double eps = 1e-3;
            java.util.function.Function<List<Tensor>, Tensor> fwd = in -> {
                BatchNorm.Stats st = training ? BatchNorm.stats(BatchNorm.partialSums(Threads.ONE, in.get(0)), eps)
                        : BatchNorm.inference(rm, rv, eps);
                return BatchNorm.forward(Threads.ONE, in.get(0), st, in.get(1), in.get(2));
            };
            BatchNorm.Stats st = training ? BatchNorm.stats(BatchNorm.partialSums(Threads.ONE, x), eps)
                    : BatchNorm.inference(rm, rv, eps);
            Tensor r = GradCheck.probe(rnd, s);
            double[] sums = BatchNorm.backwardSums(Threads.ONE, r, x, st);
            Tensor dx = BatchNorm.backwardData(Threads.ONE, r, x, st, gamma, sums, training);
            Tensor dg = Tensor.zeros(gamma.shape());
            Tensor db = Tensor.zeros(beta.shape());
            BatchNorm.accumulateParamGrads(sums, dg, db);
            compared += GradCheck.check("batch norm " + s + (training ? " training" : " inference"), SEED, rnd,
                    List.of(x, gamma, beta), fwd, r, List.of(dx, dg, db));
        }
        assertTrue(compared >= CASES * 3, "compared " + compared);
    }

    @Test
    void batchNormRunningAverages() {
        Tensor x = Tensor.zeros(2, 1, 1, 2);
        System.arraycopy(new float[] {1, 2, 3, 6}, 0, x.data(), 0, 4);
        BatchNorm.Stats st = BatchNorm.stats(BatchNorm.partialSums(Threads.ONE, x), 0);
        assertEquals(3.0, st.mean()[0], 1e-12);
        assertEquals(3.5, st.var()[0], 1e-12); // (4+1+0+9)/4
        Tensor rm = Tensor.zeros(1);
        Tensor rv = Tensor.zeros(1);
        rv.fill(1f);
        BatchNorm.updateRunning(rm, rv, st, 0.1);
        assertEquals(0.3, rm.data()[0], 1e-6);
        assertEquals(0.9 + 0.1 * 3.5 * 4 / 3, rv.data()[0], 1e-6); // unbiased variance 14/3
    }

    @Test
    void pooling() {
        Random rnd = new Random(SEED + 2);
        int compared = 0;
        int expected = 0;
        for (int c = 0; c < 2 * CASES; c++) {
            Pooling.Mode mode = c % 2 == 0 ? Pooling.Mode.MAX : Pooling.Mode.AVG;
            int kh = 1 + rnd.nextInt(3);
            int kw = 1 + rnd.nextInt(3);
            ConvGeometry g = new ConvGeometry(new int[] {kh, kw}, new int[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)},
                    new int[] {rnd.nextInt(kh), rnd.nextInt(kw)}, new int[] {rnd.nextInt(kh), rnd.nextInt(kw)},
                    new int[] {1, 1}, 1);
            Tensor x = GradCheck.distinct(rnd, Shape.nchw(1 + rnd.nextInt(2), 1 + rnd.nextInt(2),
                    kh + rnd.nextInt(5), kw + rnd.nextInt(5)), 4 * GradCheck.EPS);
            Shape ys = Pooling.outputShape(g, x.shape());
            int[] arg = new int[ys.size()];
            Tensor y = Pooling.forward(Threads.ONE, mode, g, x, arg);
            assertEquals(ys, y.shape());
            Tensor r = GradCheck.probe(rnd, ys);
            Tensor dx = Pooling.backward(Threads.ONE, mode, g, r, x.shape(), arg);
            expected += GradCheck.expected(List.of(x));
            compared += GradCheck.check("pool " + mode + " " + g, SEED, rnd, List.of(x),
                    in -> Pooling.forward(Threads.ONE, mode, g, in.get(0), new int[ys.size()]), r, List.of(dx));
        }
        assertEquals(expected, compared, "every probe compared");
        assertTrue(compared >= 2 * CASES, "compared " + compared);
    }

    @Test
    void upsampling() {
        Random rnd = new Random(SEED + 3);
        int compared = 0;
        int expected = 0;
        for (int c = 0; c < 2 * CASES; c++) {
            Upsample up = new Upsample(c % 2 == 0 ? Upsample.Mode.NEAREST : Upsample.Mode.BILINEAR,
                    1 + rnd.nextInt(3), 1 + rnd.nextInt(3));
            Tensor x = GradCheck.random(rnd, Shape.nchw(1 + rnd.nextInt(2), 1 + rnd.nextInt(2), 1 + rnd.nextInt(4),
                    1 + rnd.nextInt(4)), 1);
            Tensor r = GradCheck.probe(rnd, up.outputShape(x.shape()));
            Tensor dx = up.backward(Threads.ONE, r, x.shape());
            compared += GradCheck.check("upsample " + up.mode(), SEED, rnd, List.of(x),
                    in -> up.forward(Threads.ONE, in.get(0)), r, List.of(dx));
        }
        assertTrue(compared >= 2 * CASES, "compared " + compared);
    }

    @Test
    void bilinearMatchesHandComputedValues() {
        // PyTorch align_corners=False, 1x2 -> 1x4: src = (o+0.5)/2-0.5 = -0.25(->0), 0.25, 0.75, 1.25(->i0=1).
        Tensor x = Tensor.zeros(1, 1, 1, 2);
        x.data()[0] = 1;
        x.data()[1] = 3;
        Tensor y = new Upsample(Upsample.Mode.BILINEAR, 1, 2).forward(Threads.ONE, x);
        float[] want = {1f, 1.5f, 2.5f, 3f};
        for (int i = 0; i < 4; i++) {
            assertEquals(want[i], y.data()[i], 1e-6);
        }
    }
}
