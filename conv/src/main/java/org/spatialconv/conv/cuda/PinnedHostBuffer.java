package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import jcuda.Pointer;
import jcuda.Sizeof;

/**
 * Page-locked host memory (for asynchronous copies and host staging of halos between processes), viewed as a
 * {@link FloatBuffer}. Closing it frees the memory; the view must not be used afterwards.
 */
public final class PinnedHostBuffer extends ContextResource {
    private final Pointer pointer = new Pointer();
    private final long floats;
    private final FloatBuffer view;

    PinnedHostBuffer(CudaContext context, long floats) {
        super(context, bytes(floats));
        this.floats = floats;
        CudaCheck.check(cuMemAllocHost(pointer, floats * Sizeof.FLOAT), "cuMemAllocHost(" + floats * Sizeof.FLOAT + ")");
        this.view = pointer.getByteBuffer(0, floats * Sizeof.FLOAT).order(ByteOrder.nativeOrder()).asFloatBuffer();
        track("PinnedHostBuffer");
    }

    /** Capacity in floats. */
    public long floats() {
        return floats;
    }

    /** The host pointer (for copies). */
    public Pointer pointer() {
        requireOpen();
        return pointer;
    }

    /** A float view of the whole buffer (a fresh duplicate, position 0). */
    public FloatBuffer asFloatBuffer() {
        requireOpen();
        return view.duplicate();
    }

    private void requireOpen() {
        requireOpen("pinned host buffer");
    }

    private static long bytes(long floats) {
        if (floats < 1 || floats > Integer.MAX_VALUE / Sizeof.FLOAT) {
            throw new IllegalArgumentException("pinned buffer size out of range: " + floats + " floats");
        }
        return floats * Sizeof.FLOAT;
    }

    @Override
    void release() {
        CudaCheck.check(cuMemFreeHost(pointer), "cuMemFreeHost");
    }
}
