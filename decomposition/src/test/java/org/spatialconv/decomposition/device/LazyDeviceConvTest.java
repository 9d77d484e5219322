package org.spatialconv.decomposition.device;

import org.spatialconv.conv.device.EmulatedGpu;

/**
 * Lazy schedule: queued work runs only when something waits for it, so a consumer that misses a wait on its
 * producer reads stale data and the comparison fails deterministically.
 */
class LazyDeviceConvTest extends EmulatedDeviceConvTest {
    LazyDeviceConvTest() {
        super(EmulatedGpu.Schedule.LAZY, 30);
    }
}
