package org.spatialconv.conv;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds backends by name through {@link ServiceLoader}. */
public final class Backends {
    private Backends() {
    }

    /** All registered providers, available or not. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(list::add);
        return list;
    }

    /**
     * Creates the named backend.
     *
     * @throws IllegalArgumentException if no such backend is registered or it cannot run here (with the reason)
     */
    public static Backend create(String name, BackendOptions options) {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : providers()) {
            names.add(p.name());
            if (p.name().equals(name)) {
                if (!p.available()) {
                    throw new IllegalArgumentException("backend '" + name + "' is not available: "
                            + p.unavailableReason());
                }
                return p.create(options);
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "' (known: " + String.join(", ", names) + ")");
    }
}
