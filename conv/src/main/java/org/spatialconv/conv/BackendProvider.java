package org.spatialconv.conv;

/** Service-provider hook for {@link Backend}s, registered in {@code META-INF/services}. */
public interface BackendProvider {
    /** The name users select the backend by ({@code cpu}, {@code cuda}). */
    String name();

    /** Whether this backend can run here (native libraries load, a device exists). */
    boolean available();

    /** Why {@link #available()} is false, for messages; empty when available. */
    default String unavailableReason() {
        return "";
    }

    Backend create(BackendOptions options);
}
