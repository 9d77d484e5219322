package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * The backend contract with cuBLAS computing the problems it takes (1x1, stride 1, unpadded, one group, bands of
 * whole rows; the rest falls back to the custom kernels, see {@link FastPathContractTest}), plus 1x1 layers with
 * bands that cuBLAS must run.
 */
class CublasEngineTest extends FastPathContractTest {
    @Override
    String engine() {
        return OptionalLibraries.CUBLAS;
    }

    @Override
    int minimumProblems() {
        return 12;
    }

    @Test
    void oneByOneLayersOverBandsMatchReference() {
        Random rnd = new Random(11);
        ConvGeometry g = ConvGeometry.square(1, 1, 0, 1, 1);
        CudaBackend backend = cudaBackend();
        int before = backend.engines().choices().size();
        for (int i = 0; i < 4; i++) {
            Shape xs = Shape.nchw(1 + rnd.nextInt(3), 8 + rnd.nextInt(40), 5 + rnd.nextInt(30), 5 + rnd.nextInt(30));
            Shape ws = g.weightShape(xs.c(), 8 + rnd.nextInt(40));
            Shape ys = g.outputShape(xs, ws);
            Tensor x = random(rnd, xs);
            Tensor w = random(rnd, ws);
            Tensor bias = random(rnd, Shape.of(ws.n()));
            Tensor dy = random(rnd, ys);
            Window band = Window.of2d(1, xs.h() - 1, 0, xs.w());
            Tensor y = Tensor.zeros(ys);
            backend.convForward(x, w, bias, g, y, band);
            Tensor dx = Tensor.zeros(xs);
            backend.convBackwardData(dy, w, g, dx, band);
            Tensor dw = Tensor.zeros(ws);
            backend.convBackwardFilter(x, dy, g, dw);
            assertTrue(ReferenceConv.relativeL2(dw.data(), ReferenceConv.backwardFilter(x, dy, g, ws)) < TOLERANCE,
                    "backward-filter " + xs);
            double[] fw = ReferenceConv.forward(x, w, bias, g);
            double[] bd = ReferenceConv.backwardData(dy, w, g, xs);
            int plane = xs.h() * xs.w();
            for (int j = 0; j < fw.length; j++) {
                int r = j % plane / xs.w();
                boolean in = r >= 1 && r < xs.h() - 1;
                assertEquals(in ? fw[j] : 0, y.data()[j], 1e-4 * (1 + Math.abs(fw[j])), "forward " + xs + " at " + j);
            }
            for (int j = 0; j < bd.length; j++) {
                int r = j % plane / xs.w();
                boolean in = r >= 1 && r < xs.h() - 1;
                assertEquals(in ? bd[j] : 0, dx.data()[j], 1e-4 * (1 + Math.abs(bd[j])), "backward-data " + xs);
            }
        }
        long cublas = backend.engines().choices().values().stream().filter(c -> c.engine().equals("cublas")).count();
        assertEquals(12, backend.engines().choices().size() - before);
        assertEquals(12, cublas, backend.engines().choices().toString());
    }

    private static Tensor random(Random rnd, Shape s) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextFloat() * 2 - 1;
        }
        return new Tensor(s, d);
    }
}
