package org.spatialconv.decomposition.device;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.spatialconv.conv.cuda.CudaGpu;
import org.spatialconv.conv.cuda.GpuTests;
import org.spatialconv.conv.device.DeviceRuntime;

/**
 * The device contract on a real GPU: every rank of a launch is a {@link org.spatialconv.conv.cuda.CudaDeviceRuntime}
 * on GPU 0 (so the 4-rank test is 4 ranks sharing one GPU, with peer copies inside one context or host staging).
 * Runs on the emulated driver too (surefire execution {@code emulated-driver}). Skipped, with the reason printed, where
 * no driver, device or fatbin is present.
 */
class CudaDeviceConvTest extends DeviceConvContractTest {
    private static CudaGpu gpu;

    @BeforeAll
    static void requireGpu() {
        GpuTests.require("CudaDeviceConvTest");
        gpu = CudaGpu.open(0);
        System.out.println("CudaDeviceConvTest on " + gpu.deviceName());
    }

    @AfterAll
    static void closeGpu() {
        if (gpu != null) {
            gpu.close();
            gpu = null;
        }
    }

    @Override
    protected DeviceRuntime newRank(int rank) {
        return gpu.newRank();
    }
}
