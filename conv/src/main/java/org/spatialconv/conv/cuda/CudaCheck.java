package org.spatialconv.conv.cuda;

import jcuda.driver.CUresult;

/** The one place where driver return codes are checked: every call site goes through {@link #check}. */
public final class CudaCheck {
    private CudaCheck() {
    }

    /**
     * Throws a {@link CudaException} naming {@code operation} and the result unless {@code result} is
     * {@code CUDA_SUCCESS}.
     */
    public static void check(int result, String operation) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(operation, result);
        }
    }

    /** The symbolic name of a {@code CUresult} (pure Java: works without a driver). */
    public static String name(int result) {
        return CUresult.stringFor(result);
    }
}
