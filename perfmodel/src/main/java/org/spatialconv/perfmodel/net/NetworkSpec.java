package org.spatialconv.perfmodel.net;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network: a DAG of named layers listed in topological order (every input names an earlier layer or
 * {@link #INPUT}), reading one input tensor with {@code inputChannels} channels. Validated on construction;
 * {@link #inferShapes} checks every layer against the actual input shape and names the first layer that does not
 * fit.
 */
public final class NetworkSpec {
    /** The name by which layers refer to the network's input tensor. */
    public static final String INPUT = "input";

    private final String name;
    private final int inputChannels;
    private final List<Layer> layers;
    private final Map<String, Integer> index = new HashMap<>();
    private final Map<String, List<String>> consumers = new HashMap<>();

    /**
     * @throws IllegalArgumentException on duplicate names, unknown or later inputs, or a wrong number of inputs
     */
    public NetworkSpec(String name, int inputChannels, List<Layer> layers) {
        if (inputChannels < 1) {
            throw new IllegalArgumentException("network '" + name + "': input_channels must be >= 1");
        }
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("network '" + name + "': has no layers");
        }
        this.name = name == null ? "network" : name;
        this.inputChannels = inputChannels;
        this.layers = List.copyOf(layers);
        consumers.put(INPUT, new ArrayList<>());
        for (int i = 0; i < this.layers.size(); i++) {
            Layer l = this.layers.get(i);
            if (l.name().equals(INPUT) || index.containsKey(l.name())) {
                throw new IllegalArgumentException("layer '" + l.name() + "': duplicate or reserved name");
            }
            int arity = l.spec().arity();
            int got = l.inputs().size();
            if ((arity >= 0 && got != arity) || (arity < 0 && got < 2)) {
                throw new IllegalArgumentException("layer '" + l.name() + "': " + l.spec().type() + " takes "
                        + (arity < 0 ? "2 or more" : Integer.toString(arity)) + " inputs, got " + got);
            }
            for (String in : l.inputs()) {
                if (!in.equals(INPUT) && !index.containsKey(in)) {
                    throw new IllegalArgumentException("layer '" + l.name() + "': input '" + in
                            + "' is not an earlier layer (layers must be listed in order)");
                }
                consumers.get(in).add(l.name());
            }
            index.put(l.name(), i);
            consumers.put(l.name(), new ArrayList<>());
        }
    }

    /** The network's name. */
    public String name() {
        return name;
    }

    /** Channels of the input tensor. */
    public int inputChannels() {
        return inputChannels;
    }

    /** Layers in topological order. */
    public List<Layer> layers() {
        return layers;
    }

    /** The layer with the given name. */
    public Layer layer(String layerName) {
        Integer i = index.get(layerName);
        if (i == null) {
            throw new IllegalArgumentException("no layer named '" + layerName + "'");
        }
        return layers.get(i);
    }

    /** Position of a layer in {@link #layers()}; -1 for {@link #INPUT}. */
    public int indexOf(String layerName) {
        if (layerName.equals(INPUT)) {
            return -1;
        }
        Integer i = index.get(layerName);
        if (i == null) {
            throw new IllegalArgumentException("no layer named '" + layerName + "'");
        }
        return i;
    }

    /** Names of the layers that read the given layer (or the input). */
    public List<String> consumers(String layerName) {
        List<String> c = consumers.get(layerName);
        if (c == null) {
            throw new IllegalArgumentException("no layer named '" + layerName + "'");
        }
        return Collections.unmodifiableList(c);
    }

    /**
     * Output shape of every layer for the given input shape, in layer order, keyed by name (the input itself is
     * under {@link #INPUT}).
     *
     * @throws IllegalArgumentException naming the first layer whose inputs do not fit
     */
    public Map<String, TensorShape> inferShapes(TensorShape input) {
        if (input.c() != inputChannels) {
            throw new IllegalArgumentException("network '" + name + "' expects " + inputChannels
                    + " input channels, got shape " + input);
        }
        Map<String, TensorShape> shapes = new LinkedHashMap<>();
        shapes.put(INPUT, input);
        for (Layer l : layers) {
            List<TensorShape> in = inputShapes(l, shapes);
            try {
                shapes.put(l.name(), l.spec().outputShape(in));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer '" + l.name() + "' (" + l.spec().type() + ", inputs "
                        + in + "): " + e.getMessage(), e);
            }
        }
        return shapes;
    }

    /** The input shapes of one layer, given the shapes of everything before it. */
    public static List<TensorShape> inputShapes(Layer l, Map<String, TensorShape> shapes) {
        List<TensorShape> in = new ArrayList<>(l.inputs().size());
        for (String s : l.inputs()) {
            in.add(shapes.get(s));
        }
        return in;
    }

    /** Total trainable parameters for the given input shape. */
    public long paramCount(TensorShape input) {
        Map<String, TensorShape> shapes = inferShapes(input);
        long total = 0;
        for (Layer l : layers) {
            total += l.spec().paramCount(inputShapes(l, shapes));
        }
        return total;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetworkSpec other && name.equals(other.name) && inputChannels == other.inputChannels
                && layers.equals(other.layers);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + layers.hashCode();
    }

    @Override
    public String toString() {
        return "NetworkSpec[" + name + ", " + layers.size() + " layers]";
    }
}
