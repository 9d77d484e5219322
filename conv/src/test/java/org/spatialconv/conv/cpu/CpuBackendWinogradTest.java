package org.spatialconv.conv.cpu;

import java.util.Random;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendContractTest;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;

/**
 * The backend contract with Winograd F(2x2,3x3) forced and every random case a 3x3, stride-1, dilation-1 layer (the
 * only ones it takes), so forward, backward-data (a forward of {@code dy} with the flipped kernel) and
 * backward-filter all go through {@link Winograd}: odd and one-pixel sizes, paddings 0-2 on each side, groups,
 * depthwise layers, windows, and 3 workers with 4 row bands each so that bands start on odd rows.
 */
class CpuBackendWinogradTest extends BackendContractTest {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(new CpuConfig(3, 1 << 12, 4, CpuConfig.Algorithm.WINOGRAD));
    }

    @Override
    protected Case nextCase(Random rnd, int i) {
        while (true) {
            int groups = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 1;
            int cg = 1 + rnd.nextInt(9);
            int kg = 1 + rnd.nextInt(9);
            int[] padLo = {rnd.nextInt(3), rnd.nextInt(3)};
            int[] padHi = {rnd.nextInt(3), rnd.nextInt(3)};
            ConvGeometry g = new ConvGeometry(new int[] {3, 3}, new int[] {1, 1}, padLo, padHi, new int[] {1, 1},
                    groups);
            int h = 1 + rnd.nextInt(16);
            int w = 1 + rnd.nextInt(16);
            if (g.outputSize(0, h) < 1 || g.outputSize(1, w) < 1) {
                continue;
            }
            Case c = caseFor(rnd, i, g, Shape.nchw(1 + rnd.nextInt(3), cg * groups, h, w), kg * groups);
            if (!Winograd.applies(new Geo(c.xs(), c.ws(), c.ys(), g))) {
                throw new AssertionError("the generator made a layer Winograd does not take: " + c);
            }
            return c;
        }
    }
}
