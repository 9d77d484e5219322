package org.spatialconv.conv.cpu;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendContractTest;

/**
 * The CPU backend with a tiny im2col budget, so every pass goes through many partial-row tiles and the scratch
 * paths (gathered {@code dy}, copied outputs); 2 workers and many row bands per sample.
 */
class CpuBackendSmallTilesTest extends BackendContractTest {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(new CpuConfig(1, 7, 5));
    }
}
