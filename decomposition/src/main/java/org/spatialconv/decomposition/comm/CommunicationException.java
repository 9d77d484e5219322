package org.spatialconv.decomposition.comm;

/** A transfer failed: a timeout, a failed peer (named in the message), or a transport error. */
public class CommunicationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommunicationException(String message) {
        super(message);
    }

    public CommunicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
