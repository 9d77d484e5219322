package org.spatialconv.conv.cuda;

/** A CUDA driver call failed; carries the {@code CUresult} code and its name. */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int result;

    /** An exception for {@code operation} failing with {@code result}. */
    public CudaException(String operation, int result) {
        super(operation + " failed: " + CudaCheck.name(result) + " (" + result + ")");
        this.result = result;
    }

    /** The raw {@code CUresult} code. */
    public int result() {
        return result;
    }

    /** The {@code CUresult} name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public String resultName() {
        return CudaCheck.name(result);
    }
}
