package org.spatialconv.conv.cuda;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.BackendProvider;

/** Registers the {@code cuda} backend; unavailable (with the reason) when no driver, device or fatbin is present. */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public boolean available() {
        return CudaProbe.get().available();
    }

    @Override
    public String unavailableReason() {
        return CudaProbe.get().reason();
    }

    @Override
    public Backend create(BackendOptions options) {
        CudaProbe p = CudaProbe.get();
        if (!p.available()) {
            throw new IllegalStateException("CUDA backend unavailable: " + p.reason());
        }
        return new CudaBackend(options);
    }
}
