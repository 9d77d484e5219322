package org.spatialconv.decomposition.device;

import org.spatialconv.conv.device.EmulatedGpu;

/** Threaded schedule: one thread per stream, so all ranks' streams really run concurrently, as on a device. */
class ThreadedDeviceConvTest extends EmulatedDeviceConvTest {
    ThreadedDeviceConvTest() {
        super(EmulatedGpu.Schedule.THREADED, 12);
    }
}
