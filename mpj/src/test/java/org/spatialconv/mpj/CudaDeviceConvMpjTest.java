package org.spatialconv.mpj;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.spatialconv.conv.cuda.GpuTests;

/**
 * {@link DeviceConvMpjTest} with every MPJ Express process on a CUDA device through {@code CudaDeviceRuntime}: the
 * halos go device → page-locked host memory → MPJ → page-locked memory → device, and every rank's forward and
 * gradients equal the single-rank CPU results. Runs on GPUs, and on the emulated driver in the build (each process
 * loads it; ranks alternate between its two devices); skipped, with the reason, where neither is present.
 */
class CudaDeviceConvMpjTest {
    @BeforeAll
    static void requireGpu() {
        GpuTests.require("CudaDeviceConvMpjTest");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1,2,2", "2,1,2"})
    void fourProcessesOnCudaEqualTheSingleRankResult(String grid, @TempDir Path dir) throws Exception {
        DeviceConvMpjTest.fourProcesses(grid, dir, "cuda");
    }
}
