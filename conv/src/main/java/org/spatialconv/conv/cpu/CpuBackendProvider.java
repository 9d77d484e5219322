package org.spatialconv.conv.cpu;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.BackendProvider;

/** Registers the CPU backend under the name {@code cpu}; it is always available. */
public final class CpuBackendProvider implements BackendProvider {
    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public CpuBackendProvider() {
    }

    @Override
    public String name() {
        return CpuBackend.NAME;
    }

    @Override
    public boolean available() {
        return true;
    }

    @Override
    public Backend create(BackendOptions options) {
        return new CpuBackend(CpuConfig.defaults(options.threads()));
    }
}
