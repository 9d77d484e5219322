package org.spatialconv.decomposition.device;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.spatialconv.conv.cuda.CudaGpu;
import org.spatialconv.conv.cuda.CudaProbe;
import org.spatialconv.conv.cuda.GpuTests;
import org.spatialconv.conv.device.DeviceRuntime;

/**
 * The device contract with the ranks of a launch spread over two GPUs of one JVM (rank r on GPU r mod 2), so
 * neighbours on different devices exchange halos with {@code cuMemcpyPeerAsync} between contexts and wait on each
 * other's events across contexts. Needs two devices: the emulated driver's run provides them
 * ({@code EMU_CUDA_DEVICES=2}); skipped, with the reason, elsewhere with fewer.
 */
class CudaMultiGpuConvTest extends DeviceConvContractTest {
    private static CudaGpu[] gpus;

    @BeforeAll
    static void requireTwoGpus() {
        GpuTests.require("CudaMultiGpuConvTest");
        int n = CudaProbe.get().devices();
        if (n < 2) {
            System.out.println("CudaMultiGpuConvTest skipped: " + n + " CUDA device(s), needs 2");
        }
        Assumptions.assumeTrue(n >= 2, () -> n + " CUDA device(s), needs 2");
        gpus = new CudaGpu[] {CudaGpu.open(0), CudaGpu.open(1)};
        System.out.println("CudaMultiGpuConvTest on " + gpus[0].deviceName() + " and " + gpus[1].deviceName());
    }

    @AfterAll
    static void closeGpus() {
        if (gpus != null) {
            try {
                gpus[0].close();
            } finally {
                gpus[1].close();
                gpus = null;
            }
        }
    }

    @Override
    protected DeviceRuntime newRank(int rank) {
        return gpus[rank % 2].newRank();
    }

    @Override
    protected int randomCases() {
        return 10;
    }
}
