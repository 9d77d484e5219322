package org.spatialconv.conv.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/** Multithreaded kernels give bit-identical results to one thread (work is split by independent planes). */
class ThreadsTest {
    @Test
    void multithreadedKernelsEqualSingleThreaded() {
        Random rnd = new Random(8);
        Tensor x = GradCheck.random(rnd, Shape.nchw(3, 5, 64, 48), 1);
        Tensor dy = GradCheck.random(rnd, x.shape(), 1);
        Threads four = new Threads(4);
        int checked = 0;
        for (Threads t : new Threads[] {Threads.ONE, four}) {
            assertEquals(t.count() == 1 ? 1 : 4, t.count());
        }
        BatchNorm.Stats s1 = BatchNorm.stats(BatchNorm.partialSums(Threads.ONE, x), 1e-5);
        BatchNorm.Stats s4 = BatchNorm.stats(BatchNorm.partialSums(four, x), 1e-5);
        assertArrayEquals(s1.mean(), s4.mean(), 0.0);
        Tensor g = GradCheck.random(rnd, Shape.of(5), 1);
        assertArrayEquals(BatchNorm.forward(Threads.ONE, x, s1, g, g).data(), BatchNorm.forward(four, x, s4, g, g)
                .data());
        double[] b1 = BatchNorm.backwardSums(Threads.ONE, dy, x, s1);
        assertArrayEquals(b1, BatchNorm.backwardSums(four, dy, x, s1), 0.0);
        assertArrayEquals(BatchNorm.backwardData(Threads.ONE, dy, x, s1, g, b1, true).data(),
                BatchNorm.backwardData(four, dy, x, s1, g, b1, true).data());
        checked += 4;
        assertArrayEquals(Activations.forward(Threads.ONE, x, 0.1f).data(), Activations.forward(four, x, 0.1f).data());
        assertArrayEquals(Activations.backward(Threads.ONE, dy, x, 0f).data(),
                Activations.backward(four, dy, x, 0f).data());
        checked += 2;
        ConvGeometry pg = ConvGeometry.square(3, 2, 1, 1, 1);
        for (Pooling.Mode m : Pooling.Mode.values()) {
            int[] a1 = new int[Pooling.outputShape(pg, x.shape()).size()];
            int[] a4 = new int[a1.length];
            Tensor y1 = Pooling.forward(Threads.ONE, m, pg, x, a1);
            assertArrayEquals(y1.data(), Pooling.forward(four, m, pg, x, a4).data());
            Tensor d = GradCheck.random(rnd, y1.shape(), 1);
            assertArrayEquals(Pooling.backward(Threads.ONE, m, pg, d, x.shape(), a1).data(),
                    Pooling.backward(four, m, pg, d, x.shape(), a4).data());
            checked += 2;
        }
        Upsample up = new Upsample(Upsample.Mode.BILINEAR, 2, 2);
        Tensor uy = up.forward(Threads.ONE, x);
        assertArrayEquals(uy.data(), up.forward(four, x).data());
        assertArrayEquals(up.backward(Threads.ONE, uy, x.shape()).data(), up.backward(four, uy, x.shape()).data());
        checked += 2;
        assertEquals(12, checked);
        assertThrows(IllegalArgumentException.class, () -> new Threads(0));
    }
}
