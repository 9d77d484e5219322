package org.spatialconv.mpj.launch;

/** A launched job failed: names the first failed rank and its cause, or the launcher's own setup error. */
public class LaunchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LaunchException(String message) {
        super(message);
    }

    public LaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
