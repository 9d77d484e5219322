package org.spatialconv.decomposition.device;

import org.spatialconv.conv.device.EmulatedGpu;

/** Shuffled schedule: work runs early or late at random, exposing missing waits the lazy order satisfies. */
class ShuffledDeviceConvTest extends EmulatedDeviceConvTest {
    ShuffledDeviceConvTest() {
        super(EmulatedGpu.Schedule.SHUFFLED, 20);
    }
}
