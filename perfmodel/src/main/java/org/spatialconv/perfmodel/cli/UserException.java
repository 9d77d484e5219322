package org.spatialconv.perfmodel.cli;

/**
 * A problem with what the user asked for (bad option values, unreadable or mismatched input files, an unsupported
 * grid): reported as one line and exit code {@value #EXIT_CODE}, like a usage error, as is a bad engine setting
 * ({@link org.spatialconv.conv.SettingException}, anywhere in the cause chain). Everything else that fails
 * is a runtime failure with exit code 1.
 */
public class UserException extends RuntimeException {
    /** Exit code for usage and input errors. */
    public static final int EXIT_CODE = 2;
    private static final long serialVersionUID = 1L;

    /** A one-line message saying what is wrong and, where possible, how to fix it. */
    public UserException(String message) {
        super(message);
    }

    /** Same, keeping the cause for {@code --debug}. */
    public UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
