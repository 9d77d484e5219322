package org.spatialconv.conv.cuda;

/**
 * One GPU shared by the ranks that run on it: a context, the kernels' module and the launch helpers. Each rank gets
 * its own {@link CudaDeviceRuntime} (its own streams and leak accounting) from {@link #newRank()}; kernels of all
 * ranks then run in one context, so they can overlap on the device. Close the ranks' runtimes first.
 */
public final class CudaGpu implements AutoCloseable {
    private final CudaContext context;
    private final CudaModule module;
    private final CudaConv conv;
    private final CudaOps ops;

    private CudaGpu(CudaContext context) {
        this.context = context;
        byte[] image = NativeKernels.fatbin()
                .orElseThrow(() -> new IllegalStateException("CUDA kernels missing: " + NativeKernels.missingReason()));
        this.module = context.loadModule(image, "spatialconv.fatbin");
        this.conv = new CudaConv(module, context.multiprocessorCount());
        this.ops = new CudaOps(module);
    }

    /** Opens device {@code ordinal} and loads the kernels; fails with the probe's reason when CUDA is unusable. */
    public static CudaGpu open(int ordinal) {
        CudaProbe p = CudaProbe.get();
        if (!p.available()) {
            throw new IllegalStateException("CUDA unavailable: " + p.reason());
        }
        CudaContext ctx = CudaContext.create(ordinal);
        try {
            return new CudaGpu(ctx);
        } catch (RuntimeException e) {
            throw closing(ctx, e);
        }
    }

    /** Closes {@code resource} after {@code failure} happened while building on it; returns the failure to throw. */
    static RuntimeException closing(AutoCloseable resource, RuntimeException failure) {
        try {
            resource.close();
        } catch (Exception suppressed) {
            failure.addSuppressed(suppressed);
        }
        return failure;
    }

    /** A new rank's runtime on this GPU. */
    public CudaDeviceRuntime newRank() {
        return new CudaDeviceRuntime(this);
    }

    CudaContext context() {
        return context;
    }

    CudaConv conv() {
        return conv;
    }

    CudaOps ops() {
        return ops;
    }

    /** The device name. */
    public String deviceName() {
        return context.deviceName();
    }

    /**
     * Unloads the kernels and destroys the context.
     *
     * @throws IllegalStateException if some rank's resources were still open
     */
    @Override
    public void close() {
        try {
            module.close();
        } finally {
            context.close();
        }
    }
}
