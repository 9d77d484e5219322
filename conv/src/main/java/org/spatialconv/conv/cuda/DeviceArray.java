package org.spatialconv.conv.cuda;

import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;

/** Float32 device memory as kernels see it: a pointer and a capacity. {@link DeviceBuffer} is the real one. */
public interface DeviceArray {
    /** Capacity in floats. */
    long floats();

    /** The device pointer passed to kernels. */
    CUdeviceptr pointer();

    /** The pointer {@code floats} elements in (for library calls on sub-tensors; not range-checked). */
    default CUdeviceptr pointer(long floats) {
        return pointer().withByteOffset(floats * Sizeof.FLOAT);
    }
}
