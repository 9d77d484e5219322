package org.spatialconv.conv.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendContractTest;
import org.spatialconv.conv.BackendOptions;

/**
 * The CPU backend's contract (float64 reference, random geometries, windows) on the GPU. Skipped, with the reason
 * printed, where no driver, device or fatbin is present.
 */
class CudaBackendTest extends BackendContractTest {
    @BeforeAll
    static void requireGpu() {
        CudaProbe p = CudaProbe.get();
        if (!p.available()) {
            System.out.println("CudaBackendTest skipped: " + p.reason());
        }
        Assumptions.assumeTrue(p.available(), () -> "no usable GPU: " + p.reason());
    }

    @Override
    protected Backend createBackend() {
        return new CudaBackendProvider().create(BackendOptions.threads(1));
    }
}
