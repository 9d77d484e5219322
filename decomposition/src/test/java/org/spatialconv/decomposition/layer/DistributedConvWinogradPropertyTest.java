package org.spatialconv.decomposition.layer;

import java.util.Random;
import java.util.function.IntFunction;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.cpu.CpuBackend;
import org.spatialconv.conv.cpu.CpuConfig;

/**
 * The property test with the CPU backend's Winograd F(2x2,3x3) forced, on 3x3 stride-1 dilation-1 layers only (the
 * ones it takes): every rank computes its windows of forward, backward-data and backward-filter with tiles that
 * start at its own block, and the gathered result must equal the single-rank one.
 */
class DistributedConvWinogradPropertyTest extends DistributedConvPropertyTest {
    @Override
    IntFunction<Backend> backends() {
        return r -> new CpuBackend(new CpuConfig(1, CpuConfig.DEFAULT_SCRATCH_FLOATS, 2,
                CpuConfig.Algorithm.WINOGRAD));
    }

    @Override
    ConvCase nextCase(Random rnd) {
        int groups = 1 + rnd.nextInt(2);
        int c = groups * (1 + rnd.nextInt(3));
        int k = groups * (1 + rnd.nextInt(3));
        int[] plo = {rnd.nextInt(3), rnd.nextInt(3)};
        int[] phi = {rnd.nextInt(3), rnd.nextInt(3)};
        ConvGeometry g = new ConvGeometry(new int[] {3, 3}, new int[] {1, 1}, plo, phi, new int[] {1, 1}, groups);
        return new ConvCase(g, Shape.nchw(1 + rnd.nextInt(3), c, 2 + rnd.nextInt(14), 2 + rnd.nextInt(14)), k);
    }
}
