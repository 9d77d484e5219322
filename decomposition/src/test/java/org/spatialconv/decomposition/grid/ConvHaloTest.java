package org.spatialconv.decomposition.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;

/** Halo math against brute-force enumeration of what each output reads. */
class ConvHaloTest {
    private static final long SEED = 0x5EED_4A10L;
    private static final int CASES = 3000;

    @Test
    void threeByThreePadOneNeedsOneRowEachSideExceptAtEdges() {
        ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
        Shape x = Shape.nchw(1, 2, 10, 10);
        Region out = new Region(new int[] {0, 0, 0, 0}, new int[] {1, 4, 5, 10});
        assertEquals(new Region(new int[] {0, 0, 0, 0}, new int[] {1, 2, 6, 10}), ConvHalo.need(g, x, out));
        ConvGeometry local = ConvHalo.localGeometry(g, x, out);
        assertEquals(1, local.padLo(0));
        assertEquals(0, local.padHi(0));
        assertEquals(1, local.padLo(1));
        assertEquals(1, local.padHi(1));
    }

    @Test
    void asymmetricPaddingGivesAsymmetricHalo() {
        // 4-tall kernel, pad 3 above and 0 below: outputs [4,6) read rows [1, 9): 3 above, 2 below 'owned' 4..6.
        ConvGeometry g = new ConvGeometry(new int[] {4, 1}, new int[] {1, 1}, new int[] {3, 0}, new int[] {0, 0},
                new int[] {1, 1}, 1);
        Shape x = Shape.nchw(1, 1, 12, 3);
        Region out = new Region(new int[] {0, 0, 4, 0}, new int[] {1, 1, 6, 3});
        Region need = ConvHalo.need(g, x, out);
        assertEquals(1, need.lo(2));
        assertEquals(6, need.hi(2));
    }

    @Test
    void stridedDilatedHalo() {
        // stride 2, dilation 3, kernel 3 (span 7), pad 2: outputs [3,5) read [4, 4+2+7) = [4, 13).
        ConvGeometry g = ConvGeometry.of2d(3, 1, 2, 1, 2, 0, 3, 1, 1);
        Shape x = Shape.nchw(1, 1, 20, 1);
        Region out = new Region(new int[] {0, 0, 3, 0}, new int[] {1, 1, 5, 1});
        Region need = ConvHalo.need(g, x, out);
        assertEquals(4, need.lo(2));
        assertEquals(13, need.hi(2));
    }

    @Test
    void outputsReadingOnlyPaddingNeedNothing() {
        ConvGeometry g = new ConvGeometry(new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, new int[] {3, 0},
                new int[] {1, 1}, 1);
        Shape x = Shape.nchw(1, 1, 4, 2);
        Region out = new Region(new int[] {0, 0, 5, 0}, new int[] {1, 1, 7, 2});
        assertEquals(0, ConvHalo.need(g, x, out).extent(2));
    }

    @Test
    void randomGeometriesMatchBruteForce() {
        Random rnd = new Random(SEED);
        int checked = 0;
        for (int t = 0; t < CASES; t++) {
            int r = 1 + rnd.nextInt(5);
            int st = 1 + rnd.nextInt(3);
            int dil = 1 + rnd.nextInt(3);
            int plo = rnd.nextInt(4);
            int phi = rnd.nextInt(4);
            int in = 1 + rnd.nextInt(30);
            ConvGeometry g = new ConvGeometry(new int[] {r, 1}, new int[] {st, 1}, new int[] {plo, 0},
                    new int[] {phi, 0}, new int[] {dil, 1}, 1);
            int outSize = g.outputSize(0, in);
            if (outSize < 1) {
                continue;
            }
            int o0 = rnd.nextInt(outSize);
            int o1 = o0 + 1 + rnd.nextInt(outSize - o0);
            int own0 = rnd.nextInt(in);
            int own1 = own0 + 1 + rnd.nextInt(in - own0);
            Shape x = Shape.nchw(1, 1, in, 1);
            Region out = new Region(new int[] {0, 0, o0, 0}, new int[] {1, 1, o1, 1});
            String ctx = "seed " + SEED + " case " + t + ": " + g + " in=" + in + " out=[" + o0 + "," + o1 + ")";

            // brute force: the contiguous range from the first to the last index any owned output reads
            // (dilation gaps inside it are included: the local problem reads them as one block), clipped
            int lo = Integer.MAX_VALUE;
            int hi = Integer.MIN_VALUE;
            for (int o = o0; o < o1; o++) {
                for (int j = 0; j < r; j++) {
                    int i = o * st - plo + j * dil;
                    lo = Math.min(lo, i);
                    hi = Math.max(hi, i + 1);
                }
            }
            lo = Math.max(lo, 0);
            hi = Math.min(hi, in);
            if (hi <= lo) {
                lo = Integer.MAX_VALUE;
            }
            Region need = ConvHalo.need(g, x, out);
            if (lo == Integer.MAX_VALUE) {
                assertEquals(0, need.extent(2), ctx);
            } else {
                assertEquals(lo, need.lo(2), ctx);
                assertEquals(hi, need.hi(2), ctx);
                ConvGeometry local = ConvHalo.localGeometry(g, x, out);
                assertEquals(o1 - o0, local.outputSize(0, need.extent(2)), ctx);
            }

            int[] interior = ConvHalo.interior(g, 0, o0, o1, own0, own1, in);
            for (int o = o0; o < o1; o++) {
                boolean inside = true;
                for (int j = 0; j < r; j++) {
                    int i = o * st - plo + j * dil;
                    if (i >= 0 && i < in && (i < own0 || i >= own1)) {
                        inside = false;
                    }
                }
                boolean claimed = o >= interior[0] && o < interior[1];
                // the interior is a contiguous range, so it may only claim outputs that are truly inside
                if (claimed) {
                    assertEquals(true, inside, ctx + " o=" + o);
                }
            }
            checked++;
        }
        assertEquals(true, checked > CASES / 2, "checked " + checked);
    }
}
