package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * float32 device memory owned by a {@link CudaContext}; closing it frees the memory.
 *
 * <p>The host copies and {@link #zero} here are synchronous: when they return, the device memory holds the result,
 * so work queued afterwards on any stream, including the engine's non-blocking streams, sees it. The driver's own
 * {@code cuMemcpyHtoD} from pageable memory and {@code cuMemsetD32} are not: they are ordered on the legacy stream
 * only, which non-blocking streams do not wait for, and may return before the device memory is written. Each is
 * therefore followed by a synchronisation of the legacy stream.
 */
public final class DeviceBuffer extends ContextResource implements DeviceArray {
    private final CUdeviceptr pointer = new CUdeviceptr();
    private final long floats;

    DeviceBuffer(CudaContext context, long floats) {
        super(context, bytes(floats));
        this.floats = floats;
        CudaCheck.check(cuMemAlloc(pointer, floats * Sizeof.FLOAT), "cuMemAlloc(" + floats * Sizeof.FLOAT + ")");
        track("DeviceBuffer");
    }

    @Override
    public long floats() {
        return floats;
    }

    @Override
    public CUdeviceptr pointer() {
        requireOpen();
        return pointer;
    }

    /** Copies {@code count} floats from {@code src[srcOffset..]} to this buffer at {@code dstOffset} (synchronous). */
    public void copyFromHost(float[] src, int srcOffset, long dstOffset, int count) {
        checkRange(dstOffset, count);
        context.makeCurrent();
        CudaCheck.check(cuMemcpyHtoD(pointer.withByteOffset(dstOffset * Sizeof.FLOAT),
                Pointer.to(src).withByteOffset((long) srcOffset * Sizeof.FLOAT), (long) count * Sizeof.FLOAT),
                "cuMemcpyHtoD");
        syncLegacyStream();
    }

    /** Copies all of {@code src} to the start of this buffer. */
    public void copyFromHost(float[] src) {
        copyFromHost(src, 0, 0, src.length);
    }

    /**
     * Copies {@code count} floats from this buffer at {@code srcOffset} into {@code dst[dstOffset..]} (synchronous
     * with the host, but ordered after the legacy stream only: synchronise the stream that wrote the buffer first).
     */
    public void copyToHost(long srcOffset, float[] dst, int dstOffset, int count) {
        checkRange(srcOffset, count);
        context.makeCurrent();
        CudaCheck.check(cuMemcpyDtoH(Pointer.to(dst).withByteOffset((long) dstOffset * Sizeof.FLOAT),
                pointer.withByteOffset(srcOffset * Sizeof.FLOAT), (long) count * Sizeof.FLOAT), "cuMemcpyDtoH");
    }

    /** Fills the start of {@code dst} from the start of this buffer. */
    public void copyToHost(float[] dst) {
        copyToHost(0, dst, 0, dst.length);
    }

    /** Sets the first {@code count} floats to +0.0 (synchronous). */
    public void zero(long count) {
        checkRange(0, count);
        context.makeCurrent();
        CudaCheck.check(cuMemsetD32(pointer, 0, count), "cuMemsetD32");
        syncLegacyStream();
    }

    private static void syncLegacyStream() {
        CudaCheck.check(cuStreamSynchronize(new CUstream()), "cuStreamSynchronize(legacy stream)");
    }

    private void checkRange(long offset, long count) {
        requireOpen();
        if (offset < 0 || count < 0 || offset + count > floats) {
            throw new IllegalArgumentException("range [" + offset + ", " + (offset + count) + ") outside device buffer of "
                    + floats + " floats");
        }
    }

    private void requireOpen() {
        requireOpen("device buffer");
    }

    private static long bytes(long floats) {
        if (floats < 1) {
            throw new IllegalArgumentException("device buffer needs at least one element, got " + floats);
        }
        return floats * Sizeof.FLOAT;
    }

    @Override
    void release() {
        CudaCheck.check(cuMemFree(pointer), "cuMemFree");
    }
}
