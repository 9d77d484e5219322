package org.spatialconv.conv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/** The branch-free kernels equal the definition bit for bit, on random data and on the floats at the edges. */
class ActivationsTest {
    private static final float[] SLOPES = {0f, 0.01f, 0.2f, 0.5f, 0.99f};

    @Test
    void equalTheDefinitionBitForBit() {
        Random rnd = new Random(42);
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-30f,
            -1e-30f, 1f, -1f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        int n = 50_000;
        float[] x = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i < special.length ? special[i] : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(20) - 10));
            g[i] = i < special.length ? special[(i * 5 + 3) % special.length] : (float) rnd.nextGaussian();
        }
        Shape s = Shape.nchw(1, 1, 1, n);
        Tensor xt = new Tensor(s, x);
        Tensor gt = new Tensor(s, g);
        for (float slope : SLOPES) {
            float[] y = Activations.forward(new Threads(3), xt, slope).data();
            float[] dx = Activations.backward(new Threads(3), gt, xt, slope).data();
            for (int i = 0; i < n; i++) {
                float wantY = x[i] > 0 ? x[i] : slope == 0 ? 0f : slope * x[i];
                float wantDx = x[i] > 0 ? g[i] : slope * g[i];
                assertEquals(Float.floatToRawIntBits(wantY), Float.floatToRawIntBits(y[i]),
                        "forward slope " + slope + " x " + x[i]);
                assertEquals(Float.floatToRawIntBits(wantDx), Float.floatToRawIntBits(dx[i]),
                        "backward slope " + slope + " x " + x[i] + " dy " + g[i]);
            }
        }
    }

    @Test
    void nanPropagates() {
        Tensor x = new Tensor(Shape.nchw(1, 1, 1, 1), new float[] {Float.NaN});
        Tensor g = new Tensor(Shape.nchw(1, 1, 1, 1), new float[] {1f});
        assertEquals(Float.NaN, Activations.forward(Threads.ONE, x, 0.1f).data()[0]);
        assertEquals(Float.NaN, Activations.backward(Threads.ONE, g, x, 0.1f).data()[0]);
    }

    @Test
    void slopeOutsideTheUnitIntervalIsRejected() {
        Tensor x = Tensor.zeros(Shape.nchw(1, 1, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> Activations.forward(Threads.ONE, x, 1f));
        assertThrows(IllegalArgumentException.class, () -> Activations.backward(Threads.ONE, x, x, -0.1f));
    }
}
