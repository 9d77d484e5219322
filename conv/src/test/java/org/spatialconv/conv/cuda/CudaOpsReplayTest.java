package org.spatialconv.conv.cuda;

import org.junit.jupiter.api.BeforeEach;

/** {@link CudaOpsContract} with the launches replayed through the emulated kernels (see {@link EmulatedDevice}). */
class CudaOpsReplayTest extends CudaOpsContract {
    @BeforeEach
    void requireEmulator() throws Exception {
        EmulatedDevice.require();
    }

    @Override
    Device open() {
        EmulatedDevice.Recorder rec = new EmulatedDevice.Recorder();
        CudaOps ops = new CudaOps(rec);
        return new Device() {
            @Override
            public DeviceArray array(float[] data) {
                return rec.array(data.clone());
            }

            @Override
            public CudaOps ops() {
                return ops;
            }

            @Override
            public CudaStream stream() {
                return null;
            }

            @Override
            public void finish() {
                try {
                    rec.replay();
                } catch (Exception e) {
                    throw new IllegalStateException("replay failed", e);
                }
            }

            @Override
            public float[] read(DeviceArray a) {
                return ((EmulatedDevice.HostArray) a).data;
            }

            @Override
            public void close() {
            }
        };
    }
}
