package org.spatialconv.conv.cuda;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link CudaOpsContract} on a CUDA device through JCuda: the kernels loaded from the jar's fatbin, launched on a
 * stream, the arrays copied in and out (a real GPU in the bundle's run-gpu-tests; the emulated driver in mvn's
 * emulated-driver run). Skipped, with the reason, where no CUDA device is usable. Every case's buffers are freed,
 * and closing the context checks that none leaked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaOpsTest extends CudaOpsContract {
    private CudaGpu gpu;

    @BeforeAll
    void openGpu() {
        GpuTests.require("CudaOpsTest");
        gpu = CudaGpu.open(0);
    }

    @AfterAll
    void closeGpu() {
        if (gpu != null) {
            gpu.close();
        }
    }

    @Override
    Device open() {
        CudaContext ctx = gpu.context();
        CudaStream stream = ctx.createStream();
        List<DeviceBuffer> buffers = new ArrayList<>();
        return new Device() {
            @Override
            public DeviceArray array(float[] data) {
                DeviceBuffer b = ctx.allocate(data.length);
                buffers.add(b);
                b.copyFromHost(data);
                return b;
            }

            @Override
            public CudaOps ops() {
                return gpu.ops();
            }

            @Override
            public CudaStream stream() {
                return stream;
            }

            @Override
            public void finish() {
                stream.synchronize();
            }

            @Override
            public float[] read(DeviceArray a) {
                float[] out = new float[(int) a.floats()];
                ((DeviceBuffer) a).copyToHost(out);
                return out;
            }

            @Override
            public void close() {
                for (DeviceBuffer b : buffers) {
                    b.close();
                }
                stream.close();
            }
        };
    }
}
