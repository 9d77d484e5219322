package org.spatialconv.conv;

/**
 * A bad value of one of the engine's settings (a system property or environment variable read through
 * {@link Setting}, such as {@code SPATIALCONV_CPU_CONV}): the message names the setting and its accepted values. The
 * CLI reports it as a usage error.
 */
public class SettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** A one-line message naming the setting, its value and what it accepts. */
    public SettingException(String message) {
        super(message);
    }
}
