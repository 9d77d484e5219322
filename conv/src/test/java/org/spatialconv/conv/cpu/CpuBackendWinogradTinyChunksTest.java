package org.spatialconv.conv.cpu;

import org.spatialconv.conv.Backend;

/**
 * {@link CpuBackendWinogradTest} with a scratch budget of one tile per SGEMM and one worker, so that every chunk is
 * a single tile and partial tiles meet chunk edges as well as window and image edges.
 */
class CpuBackendWinogradTinyChunksTest extends CpuBackendWinogradTest {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(new CpuConfig(1, 1, 1, CpuConfig.Algorithm.WINOGRAD));
    }
}
