package org.spatialconv.conv;

import java.util.Locale;
import java.util.Optional;

/**
 * A setting read from a system property, else an environment variable: its trimmed, lower-case value and where it
 * came from ({@code spatialconv.conv.tile=measure}), for the error messages that name it.
 */
public record Setting(String value, String source) {
    /** The setting, or empty where neither the property value nor the environment value is set (non-blank). */
    public static Optional<Setting> read(String propertyName, String property, String envName, String env) {
        String name;
        String raw;
        if (property != null && !property.isBlank()) {
            name = propertyName;
            raw = property;
        } else if (env != null && !env.isBlank()) {
            name = envName;
            raw = env;
        } else {
            return Optional.empty();
        }
        String value = raw.trim().toLowerCase(Locale.ROOT);
        return Optional.of(new Setting(value, name + "=" + value));
    }
}
