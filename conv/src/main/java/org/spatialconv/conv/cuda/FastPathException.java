package org.spatialconv.conv.cuda;

/** A cuDNN or cuBLAS call failed: carries the library's status code and its name, like {@link CudaException}. */
public final class FastPathException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String statusName;

    /** {@code call} names the call and its arguments; {@code statusName} e.g. {@code CUDNN_STATUS_BAD_PARAM}. */
    public FastPathException(String call, int status, String statusName) {
        super(call + " failed: " + statusName + " (" + status + ")");
        this.status = status;
        this.statusName = statusName;
    }

    /** The library's status code. */
    public int status() {
        return status;
    }

    /** The status code's name. */
    public String statusName() {
        return statusName;
    }
}
