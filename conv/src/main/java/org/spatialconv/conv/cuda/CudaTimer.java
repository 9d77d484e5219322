package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/** A pair of CUDA events measuring device time of the work queued on one stream between start and stop. */
final class CudaTimer implements AutoCloseable {
    private final CudaContext context;
    private final CUevent start = new CUevent();
    private final CUevent stop = new CUevent();

    CudaTimer(CudaContext context) {
        this.context = context;
        context.makeCurrent();
        CudaCheck.check(cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        CudaCheck.check(cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
    }

    void start(CudaStream s) {
        CudaCheck.check(cuEventRecord(start, s.handle()), "cuEventRecord");
    }

    /** Records the stop event, waits for it and returns the elapsed milliseconds. */
    double stopMillis(CudaStream s) {
        CudaCheck.check(cuEventRecord(stop, s.handle()), "cuEventRecord");
        CudaCheck.check(cuEventSynchronize(stop), "cuEventSynchronize");
        float[] ms = new float[1];
        CudaCheck.check(cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
        return ms[0];
    }

    @Override
    public void close() {
        context.makeCurrent();
        CudaCheck.check(cuEventDestroy(start), "cuEventDestroy");
        CudaCheck.check(cuEventDestroy(stop), "cuEventDestroy");
    }
}
