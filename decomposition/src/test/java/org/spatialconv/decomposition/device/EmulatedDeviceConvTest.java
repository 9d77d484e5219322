package org.spatialconv.decomposition.device;

import java.time.Duration;
import org.spatialconv.conv.device.DeviceRuntime;
import org.spatialconv.conv.device.EmulatedGpu;

/** The device contract on the host-emulated GPU (see {@link EmulatedGpu}); subclasses pick the schedule. */
abstract class EmulatedDeviceConvTest extends DeviceConvContractTest {
    private final EmulatedGpu gpu;
    private final int cases;

    EmulatedDeviceConvTest(EmulatedGpu.Schedule schedule, int cases) {
        this.gpu = new EmulatedGpu(0, schedule, Duration.ofSeconds(30));
        this.cases = cases;
    }

    @Override
    protected DeviceRuntime newRank(int rank) {
        return gpu.newRank();
    }

    @Override
    protected int randomCases() {
        return cases;
    }
}
