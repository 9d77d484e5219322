package org.spatialconv.conv.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendContractTest;
import org.spatialconv.conv.BackendOptions;

/**
 * The CPU backend's contract (float64 reference, random geometries, windows) on the GPU, or on the emulated driver
 * (surefire execution {@code emulated-driver}). Skipped, with the reason printed, where no driver, device or fatbin
 * is present.
 */
class CudaBackendTest extends BackendContractTest {
    @BeforeAll
    static void requireGpu() {
        GpuTests.require("CudaBackendTest");
    }

    @Override
    protected Backend createBackend() {
        return new CudaBackendProvider().create(BackendOptions.threads(1));
    }
}
