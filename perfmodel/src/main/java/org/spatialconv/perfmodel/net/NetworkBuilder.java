package org.spatialconv.perfmodel.net;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link NetworkSpec} layer by layer; {@link #add(String, LayerSpec)} chains onto the last layer added,
 * {@link #add(String, LayerSpec, String...)} names its inputs. Used by the model zoo and by tests.
 */
public final class NetworkBuilder {
    private final String name;
    private final int inputChannels;
    private final List<Layer> layers = new ArrayList<>();
    private String last = NetworkSpec.INPUT;

    /** A builder for a network reading {@code inputChannels} channels. */
    public NetworkBuilder(String name, int inputChannels) {
        this.name = name;
        this.inputChannels = inputChannels;
    }

    /** Adds a layer reading the previous layer; returns its name. */
    public String add(String layerName, LayerSpec spec) {
        return add(layerName, spec, last);
    }

    /** Adds a layer reading the named inputs; returns its name. */
    public String add(String layerName, LayerSpec spec, String... inputs) {
        layers.add(Layer.of(layerName, spec, inputs));
        last = layerName;
        return layerName;
    }

    /** Name of the last layer added ({@link NetworkSpec#INPUT} before any). */
    public String last() {
        return last;
    }

    /** The finished network. */
    public NetworkSpec build() {
        return new NetworkSpec(name, inputChannels, layers);
    }
}
