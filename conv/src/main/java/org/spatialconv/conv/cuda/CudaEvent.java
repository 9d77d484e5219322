package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/** A CUDA event without timing, for ordering streams (also across contexts and devices) and the host. */
public final class CudaEvent extends ContextResource {
    private final CUevent event = new CUevent();

    CudaEvent(CudaContext context) {
        super(context, 0);
        CudaCheck.check(cuEventCreate(event, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        track("CudaEvent");
    }

    /** Records the event at the current end of {@code stream}'s work. */
    public void record(CudaStream stream) {
        context.makeCurrent();
        CudaCheck.check(cuEventRecord(handle(), stream.handle()), "cuEventRecord");
    }

    /** Makes {@code stream}'s later work wait for this event's most recent record. */
    public void waitOn(CudaStream stream) {
        CudaCheck.check(cuStreamWaitEvent(stream.handle(), handle(), 0), "cuStreamWaitEvent");
    }

    /** Blocks the host until the work before the most recent record has finished. */
    public void synchronize() {
        CudaCheck.check(cuEventSynchronize(handle()), "cuEventSynchronize");
    }

    private CUevent handle() {
        requireOpen("event");
        return event;
    }

    @Override
    void release() {
        CudaCheck.check(cuEventDestroy(event), "cuEventDestroy");
    }
}
