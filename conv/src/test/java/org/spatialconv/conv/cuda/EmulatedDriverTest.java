package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import jcuda.Sizeof;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The emulated CUDA driver is only worth running the GPU tests on if it is at least as unforgiving as a GPU. These
 * checks, through JCuda's real binding, show that it is: work on a non-blocking stream stays invisible until
 * something waits for it (so a missing wait fails deterministically), an event wait orders two streams, new memory
 * is NaN rather than zero, and a kernel writing past its buffer is {@code CUDA_ERROR_ILLEGAL_ADDRESS}. Runs only on
 * the emulated driver (surefire execution {@code emulated-driver}); a GPU would be free to run work early.
 */
class EmulatedDriverTest {
    private static final int N = 1000;
    private static final int ONE = Float.floatToRawIntBits(1f);

    @BeforeAll
    static void requireEmulatedDriver() {
        GpuTests.requireEmulated("EmulatedDriverTest");
    }

    @Test
    void unsynchronisedStreamWorkIsNotVisible() {
        try (CudaContext ctx = CudaContext.create(0); CudaStream s = ctx.createStream();
             DeviceBuffer a = ctx.allocate(N)) {
            a.zero(N);
            CudaCheck.check(cuMemsetD32Async(a.pointer(), ONE, N, s.handle()), "cuMemsetD32Async");
            float[] got = new float[N];
            a.copyToHost(got); // legacy stream: does not wait for the non-blocking stream
            assertArrayEquals(new float[N], got, "a copy that misses the stream's work must read the old data");
            s.synchronize();
            a.copyToHost(got);
            float[] ones = new float[N];
            Arrays.fill(ones, 1f);
            assertArrayEquals(ones, got);
        }
    }

    @Test
    void eventWaitOrdersTwoStreams() {
        try (CudaContext ctx = CudaContext.create(0); CudaStream producer = ctx.createStream();
             CudaStream consumer = ctx.createStream(); DeviceBuffer a = ctx.allocate(N); DeviceBuffer b = ctx.allocate(N)) {
            a.zero(N);
            b.zero(N);
            CUevent ready = new CUevent();
            CudaCheck.check(cuEventCreate(ready, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            try {
                CudaCheck.check(cuMemsetD32Async(a.pointer(), ONE, N, producer.handle()), "cuMemsetD32Async");
                CudaCheck.check(cuEventRecord(ready, producer.handle()), "cuEventRecord");
                CudaCheck.check(cuStreamWaitEvent(consumer.handle(), ready, 0), "cuStreamWaitEvent");
                CudaCheck.check(cuMemcpyDtoDAsync(b.pointer(), a.pointer(), (long) N * Sizeof.FLOAT, consumer.handle()),
                        "cuMemcpyDtoDAsync");
                consumer.synchronize(); // the producer's memset runs first, forced by the wait
                float[] got = new float[N];
                b.copyToHost(got);
                assertEquals(1f, got[0]);
                assertEquals(1f, got[N - 1]);
            } finally {
                CudaCheck.check(cuEventDestroy(ready), "cuEventDestroy");
            }
        }
    }

    @Test
    void newMemoryIsNotZero() {
        try (CudaContext ctx = CudaContext.create(0); DeviceBuffer a = ctx.allocate(N)) {
            float[] got = new float[N];
            a.copyToHost(got);
            assertTrue(Float.isNaN(got[0]) && Float.isNaN(got[N - 1]), "fresh device memory should read as NaN");
        }
    }

    @Test
    void kernelWritingPastItsBufferIsAnIllegalAddress() {
        CudaContext ctx = CudaContext.create(0);
        CudaException e;
        try (CudaModule m = ctx.loadModule(NativeKernels.fatbin().orElseThrow(), "spatialconv.fatbin");
             CudaStream s = ctx.createStream(); DeviceBuffer x = ctx.allocate(4 * N); DeviceBuffer y = ctx.allocate(N)) {
            x.zero(4 * N);
            new CudaOps(m).reluForward(x, y, 3L * N / 2, s); // y has N floats
            e = assertThrows(CudaException.class, s::synchronize);
        } catch (CudaException sticky) {
            e = sticky; // the error is sticky: closing the buffers reports it again
        } finally {
            try {
                ctx.close();
            } catch (RuntimeException ignored) {
                // the context is destroyed regardless; what matters is the error above
            }
        }
        assertEquals(CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, e.result(), e.getMessage());
    }
}
