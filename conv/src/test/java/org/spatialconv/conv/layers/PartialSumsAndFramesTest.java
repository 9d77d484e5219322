package org.spatialconv.conv.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * The properties the distributed layers rely on: batch-norm statistics from summed partial sums of row blocks
 * equal the whole-tensor statistics, and pooling/upsampling on a block with its halo (placed by a {@link Frame})
 * equal the matching rows of the whole-tensor result, forward and backward (after summing halo gradients).
 */
class PartialSumsAndFramesTest {
    private static final long SEED = 99L;
    private static final double STAT_TOL = 1e-12;

    /** Rows [r0, r1) of a 4-D tensor. */
    static Tensor rows(Tensor t, int r0, int r1) {
        Shape s = t.shape();
        Tensor out = Tensor.zeros(Shape.nchw(s.n(), s.c(), r1 - r0, s.w()));
        for (int p = 0; p < s.n() * s.c(); p++) {
            System.arraycopy(t.data(), (p * s.h() + r0) * s.w(), out.data(), p * (r1 - r0) * s.w(),
                    (r1 - r0) * s.w());
        }
        return out;
    }

    @Test
    void batchNormStatisticsFromRowBlocks() {
        Random rnd = new Random(SEED);
        int cases = 0;
        for (int c = 0; c < 20; c++) {
            Tensor x = GradCheck.random(rnd, Shape.nchw(1 + rnd.nextInt(3), 1 + rnd.nextInt(4), 2 + rnd.nextInt(9),
                    1 + rnd.nextInt(5)), 3);
            int cut = 1 + rnd.nextInt(x.shape().h() - 1);
            double[] a = BatchNorm.partialSums(Threads.ONE, rows(x, 0, cut));
            double[] b = BatchNorm.partialSums(Threads.ONE, rows(x, cut, x.shape().h()));
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
            BatchNorm.Stats split = BatchNorm.stats(a, 1e-5);
            BatchNorm.Stats whole = BatchNorm.stats(BatchNorm.partialSums(new Threads(2), x), 1e-5);
            assertEquals(whole.count(), split.count());
            assertArrayEquals(whole.mean(), split.mean(), STAT_TOL);
            assertArrayEquals(whole.var(), split.var(), STAT_TOL);
            cases++;
        }
        assertEquals(20, cases);
    }

    @Test
    void poolingAndUpsamplingOnRowBlocks() {
        Random rnd = new Random(SEED + 1);
        int cases = 0;
        for (int c = 0; c < 30; c++) {
            Tensor x = GradCheck.distinct(rnd, Shape.nchw(1, 2, 6 + rnd.nextInt(8), 3 + rnd.nextInt(4)), 0.01);
            Tensor y;
            Tensor dxWhole;
            int oh;
            Tensor dy;
            int mode = c % 4;
            ConvGeometry g = ConvGeometry.square(2 + rnd.nextInt(2), 1 + rnd.nextInt(2), rnd.nextInt(2), 1, 1);
            Upsample up = new Upsample(mode == 2 ? Upsample.Mode.NEAREST : Upsample.Mode.BILINEAR, 2, 2);
            Pooling.Mode pm = mode == 0 ? Pooling.Mode.MAX : Pooling.Mode.AVG;
            if (mode < 2) {
                int[] arg = new int[Pooling.outputShape(g, x.shape()).size()];
                y = Pooling.forward(Threads.ONE, pm, g, x, arg);
                dy = GradCheck.probe(rnd, y.shape());
                dxWhole = Pooling.backward(Threads.ONE, pm, g, dy, x.shape(), arg);
            } else {
                y = up.forward(Threads.ONE, x);
                dy = GradCheck.probe(rnd, y.shape());
                dxWhole = up.backward(Threads.ONE, dy, x.shape());
            }
            oh = y.shape().h();
            if (oh < 2) {
                continue;
            }
            int cut = 1 + rnd.nextInt(oh - 1);
            Tensor dxSum = Tensor.zeros(x.shape());
            for (int[] blk : new int[][] {{0, cut}, {cut, oh}}) {
                // Input rows this output block reads (the block's own rows plus halo).
                int lo;
                int hi;
                if (mode < 2) {
                    lo = Math.max(blk[0] * g.stride(0) - g.padLo(0), 0);
                    hi = Math.min((blk[1] - 1) * g.stride(0) - g.padLo(0) + g.kernel(0), x.shape().h());
                } else {
                    int[] r = up.inputRange(0, blk[0], blk[1], x.shape().h());
                    lo = r[0];
                    hi = r[1];
                }
                Tensor xl = rows(x, lo, hi);
                Frame xf = new Frame(lo, 0, x.shape().h(), x.shape().w());
                Frame yf = new Frame(blk[0], 0, oh, y.shape().w());
                Tensor yl = Tensor.zeros(Shape.nchw(1, 2, blk[1] - blk[0], y.shape().w()));
                int[] arg = new int[yl.shape().size()];
                Tensor dxl = Tensor.zeros(xl.shape());
                Tensor dyl = rows(dy, blk[0], blk[1]);
                if (mode < 2) {
                    Pooling.forward(Threads.ONE, pm, g, xl, xf, yl, yf, arg);
                    Pooling.backward(Threads.ONE, pm, g, dyl, yf, dxl, xf, arg);
                } else {
                    up.forward(Threads.ONE, xl, xf, yl, yf);
                    up.backward(Threads.ONE, dyl, yf, dxl, xf);
                }
                assertArrayEquals(rows(y, blk[0], blk[1]).data(), yl.data(), "forward block case " + c);
                for (int p = 0; p < 2; p++) {
                    for (int r = 0; r < hi - lo; r++) {
                        for (int w = 0; w < x.shape().w(); w++) {
                            dxSum.data()[dxSum.index(0, p, lo + r, w)] += dxl.get(0, p, r, w);
                        }
                    }
                }
            }
            assertArrayEquals(dxWhole.data(), dxSum.data(), 1e-5f, "backward case " + c);
            cases++;
        }
        assertTrue(cases >= 20, "cases " + cases);
    }
}
