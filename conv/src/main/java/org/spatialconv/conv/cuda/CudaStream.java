package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/** A non-blocking CUDA stream: kernels and copies on one stream run in order; separate streams may overlap. */
public final class CudaStream extends ContextResource {
    private final CUstream stream = new CUstream();

    CudaStream(CudaContext context) {
        super(context, 0);
        CudaCheck.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        track("CudaStream");
    }

    /** The driver handle (for launches and async copies). */
    public CUstream handle() {
        requireOpen("stream");
        return stream;
    }

    /** Waits until everything queued on this stream has finished. */
    public void synchronize() {
        context.makeCurrent();
        CudaCheck.check(cuStreamSynchronize(handle()), "cuStreamSynchronize");
    }

    @Override
    void release() {
        CudaCheck.check(cuStreamDestroy(stream), "cuStreamDestroy");
    }
}
