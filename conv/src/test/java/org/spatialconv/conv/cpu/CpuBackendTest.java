package org.spatialconv.conv.cpu;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendContractTest;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;

/** The CPU backend, created through {@link Backends} by name, with 3 workers, meets the backend contract. */
class CpuBackendTest extends BackendContractTest {
    @Override
    protected Backend createBackend() {
        return Backends.create("cpu", BackendOptions.threads(3));
    }
}
