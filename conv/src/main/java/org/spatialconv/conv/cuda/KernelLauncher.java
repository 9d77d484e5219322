package org.spatialconv.conv.cuda;

/**
 * Where kernel launches go: a {@link CudaModule} on a GPU, or a recorder in tests that replays them under the
 * host emulation of the CUDA execution model (native/src/test/emulate).
 */
public interface KernelLauncher {
    /** Launches {@code kernel} with {@code grid} x {@code block} threads on {@code stream} (may be null in tests). */
    void launch(String kernel, int[] grid, int block, CudaStream stream, KernelArgs args);
}
