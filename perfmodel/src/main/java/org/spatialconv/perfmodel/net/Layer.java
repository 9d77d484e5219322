package org.spatialconv.perfmodel.net;

import java.util.List;

/**
 * One node of a network: a unique name, the names of the layers (or {@link NetworkSpec#INPUT}) it reads, in
 * order, and what it computes.
 */
public record Layer(String name, List<String> inputs, LayerSpec spec) {
    /** @throws IllegalArgumentException if the name is blank or the inputs are missing */
    public Layer {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a layer needs a non-empty name");
        }
        if (spec == null) {
            throw new IllegalArgumentException("layer '" + name + "': missing spec");
        }
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("layer '" + name + "': needs at least one input");
        }
        inputs = List.copyOf(inputs);
    }

    /** A layer reading the given inputs. */
    public static Layer of(String name, LayerSpec spec, String... inputs) {
        return new Layer(name, List.of(inputs), spec);
    }
}
