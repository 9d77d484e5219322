package org.spatialconv.decomposition.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.layers.Pooling;
import org.spatialconv.conv.layers.TransposedConv;
import org.spatialconv.conv.layers.Upsample;

/**
 * A network description independent of ranks: a DAG of named nodes, each a layer factory (every rank builds its own
 * instances), its input names, and optionally its own grid (otherwise the network's). The graph input is named
 * {@value #INPUT}; nodes must be added after their inputs, and the last node is the output.
 */
public final class NetworkDef {
    /** Name of the graph input. */
    public static final String INPUT = "input";

    /**
     * One node.
     *
     * @param grid n,h,w for this node, or null for the network's grid
     */
    public record Node(String name, List<String> inputs, Supplier<NetLayer> factory, int[] grid) {
    }

    private final List<Node> nodes = new ArrayList<>();
    private final Set<String> names = new HashSet<>(List.of(INPUT));
    private int inputChannels;

    /** A definition whose input has {@code inputChannels} channels. */
    public NetworkDef(int inputChannels) {
        if (inputChannels < 1) {
            throw new IllegalArgumentException("input channels must be >= 1");
        }
        this.inputChannels = inputChannels;
    }

    public int inputChannels() {
        return inputChannels;
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** Name of the output node. */
    public String output() {
        return nodes.isEmpty() ? INPUT : nodes.get(nodes.size() - 1).name();
    }

    /** Adds a node; its inputs must already exist. Returns its name for chaining. */
    public String add(String name, Supplier<NetLayer> factory, int[] grid, String... inputs) {
        if (name == null || name.isEmpty() || names.contains(name)) {
            throw new IllegalArgumentException("layer name '" + name + "' is empty or already used");
        }
        for (String i : inputs) {
            if (!names.contains(i)) {
                throw new IllegalArgumentException("layer '" + name + "': unknown input '" + i + "'");
            }
        }
        if (grid != null && grid.length != 3) {
            throw new IllegalArgumentException("layer '" + name + "': grid must be n,h,w, got "
                    + Arrays.toString(grid));
        }
        nodes.add(new Node(name, List.of(inputs), factory, grid == null ? null : grid.clone()));
        names.add(name);
        return name;
    }

    /** Adds a node on the network's grid. */
    public String add(String name, Supplier<NetLayer> factory, String... inputs) {
        return add(name, factory, null, inputs);
    }

    public String conv(String name, String from, int filters, ConvGeometry g, boolean bias) {
        return add(name, () -> new ConvLayer(g, filters, bias), from);
    }

    public String transposedConv(String name, String from, int filters, TransposedConv t, boolean bias) {
        return add(name, () -> new TransposedConvLayer(t, filters, bias), from);
    }

    public String batchNorm(String name, String from) {
        return add(name, () -> new BatchNormLayer(1e-5, 0.1), from);
    }

    public String relu(String name, String from, float slope) {
        return add(name, () -> new ActivationLayer(slope), from);
    }

    public String pool(String name, String from, Pooling.Mode mode, ConvGeometry g) {
        return add(name, () -> new PoolLayer(mode, g), from);
    }

    public String upsample(String name, String from, Upsample.Mode mode, int factor) {
        return add(name, () -> new UpsampleLayer(new Upsample(mode, factor, factor)), from);
    }

    public String residual(String name, String a, String b) {
        return add(name, AddLayer::new, a, b);
    }

    public String concat(String name, String... from) {
        return add(name, ConcatLayer::new, from);
    }

    public String globalAvgPool(String name, String from) {
        return add(name, GlobalAvgPoolLayer::new, from);
    }

    public String fullyConnected(String name, String from, int out) {
        return add(name, () -> new FullyConnectedLayer(out), from);
    }
}
