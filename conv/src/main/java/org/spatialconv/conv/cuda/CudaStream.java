package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/** A non-blocking CUDA stream: kernels and copies on one stream run in order; separate streams may overlap. */
public final class CudaStream implements AutoCloseable {
    private final CudaContext context;
    private final CUstream stream = new CUstream();
    private boolean closed;

    CudaStream(CudaContext context) {
        this.context = context;
        CudaCheck.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        context.tracker().opened(this, "CudaStream", 0);
    }

    /** The driver handle (for launches and async copies). */
    public CUstream handle() {
        if (closed) {
            throw new IllegalStateException("stream is closed");
        }
        return stream;
    }

    /** Waits until everything queued on this stream has finished. */
    public void synchronize() {
        context.makeCurrent();
        CudaCheck.check(cuStreamSynchronize(handle()), "cuStreamSynchronize");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (context.tracker().closedResource(this, 0)) {
            context.makeCurrent();
            CudaCheck.check(cuStreamDestroy(stream), "cuStreamDestroy");
        }
    }
}
