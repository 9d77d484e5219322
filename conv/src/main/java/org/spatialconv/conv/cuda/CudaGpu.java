package org.spatialconv.conv.cuda;

import java.util.Map;

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
    private final DeviceLaunchTimer launchTimer;

    private CudaGpu(CudaContext context, TileSelector.Policy tiles) {
        this.context = context;
        byte[] image = NativeKernels.fatbin()
                .orElseThrow(() -> new IllegalStateException("CUDA kernels missing: " + NativeKernels.missingReason()));
        this.module = context.loadModule(image, "spatialconv.fatbin");
        try {
            this.launchTimer = new DeviceLaunchTimer(context);
        } catch (RuntimeException e) {
            throw closing(module, e);
        }
        this.conv = new CudaConv(module, context.multiprocessorCount(), tiles, launchTimer);
        this.ops = new CudaOps(module);
    }

    /** Opens device {@code ordinal} and loads the kernels; fails with the probe's reason when CUDA is unusable. */
    public static CudaGpu open(int ordinal) {
        CudaProbe p = CudaProbe.get();
        if (!p.available()) {
            throw new IllegalStateException("CUDA unavailable: " + p.reason());
        }
        TileSelector.Policy tiles = TileSelector.Policy.fromSystem();
        CudaContext ctx = CudaContext.create(ordinal);
        try {
            return new CudaGpu(ctx, tiles);
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

    /** The kernels' module, for launches outside {@link #conv()} and {@link #ops()} (tests of other tile policies). */
    KernelLauncher module() {
        return module;
    }

    CudaOps ops() {
        return ops;
    }

    /**
     * The tile variant each convolution problem run on this GPU got so far, and how it was chosen (measured, with
     * every candidate's time, or heuristic and why); see {@link TileSelector}.
     */
    public Map<ConvProblem, TileSelector.Choice> tileChoices() {
        return conv.tileChoices();
    }

    /** The device name. */
    public String deviceName() {
        return context.deviceName();
    }

    /**
     * Releases the tile timer, unloads the kernels and destroys the context.
     *
     * @throws IllegalStateException if some rank's resources were still open
     */
    @Override
    public void close() {
        try {
            try {
                launchTimer.close();
            } finally {
                module.close();
            }
        } finally {
            context.close();
        }
    }
}
