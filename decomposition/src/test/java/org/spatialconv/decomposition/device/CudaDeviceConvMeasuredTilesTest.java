package org.spatialconv.decomposition.device;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.spatialconv.conv.cuda.ConvProblem;
import org.spatialconv.conv.cuda.CudaGpu;
import org.spatialconv.conv.cuda.GpuTests;
import org.spatialconv.conv.cuda.TileSelector;
import org.spatialconv.conv.device.DeviceRuntime;

/**
 * The device contract with every convolution problem's tile measured ({@code spatialconv.conv.tile=measure}): the
 * ranks sharing GPU 0 run on their own threads, so each first call of a problem synchronises that rank's stream and
 * times the candidates while the other ranks' exchanges and kernels are in flight. The results must still equal the
 * single-rank result, nothing may hang (every wait has the contract's timeout), and the choices must have been
 * measured. Runs on the emulated driver (surefire execution {@code emulated-driver}) and on a GPU.
 */
class CudaDeviceConvMeasuredTilesTest extends DeviceConvContractTest {
    private static CudaGpu gpu;

    @BeforeAll
    static void requireGpu() {
        GpuTests.require("CudaDeviceConvMeasuredTilesTest");
        String before = System.getProperty(TileSelector.PROPERTY);
        System.setProperty(TileSelector.PROPERTY, "measure");
        try {
            gpu = CudaGpu.open(0);
        } finally {
            if (before == null) {
                System.clearProperty(TileSelector.PROPERTY);
            } else {
                System.setProperty(TileSelector.PROPERTY, before);
            }
        }
    }

    @AfterAll
    static void closeGpu() {
        if (gpu != null) {
            Map<ConvProblem, TileSelector.Choice> choices = gpu.tileChoices();
            long measured = choices.values().stream().filter(c -> c.how().equals("measured")).count();
            gpu.close();
            gpu = null;
            System.out.println("CudaDeviceConvMeasuredTilesTest: " + measured + " of " + choices.size()
                    + " problems' tiles measured");
            assertTrue(measured > 0 && measured == choices.size(), measured + " of " + choices.size() + " measured");
        }
    }

    @Override
    protected int randomCases() {
        return 6;
    }

    @Override
    protected DeviceRuntime newRank(int rank) {
        return gpu.newRank();
    }
}
