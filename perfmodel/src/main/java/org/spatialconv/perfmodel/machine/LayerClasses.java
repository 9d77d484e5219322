package org.spatialconv.perfmodel.machine;

import java.util.List;
import org.spatialconv.perfmodel.net.ActivationSpec;
import org.spatialconv.perfmodel.net.AddSpec;
import org.spatialconv.perfmodel.net.BatchNormSpec;
import org.spatialconv.perfmodel.net.ConcatSpec;
import org.spatialconv.perfmodel.net.GlobalAvgPoolSpec;
import org.spatialconv.perfmodel.net.LayerSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.PoolSpec;
import org.spatialconv.perfmodel.net.UpsampleSpec;

/**
 * The classes of memory-bound layers the cost model prices by bytes moved, and the modelled traffic of each
 * (multiples of the input and output element counts). The same traffic model turns a calibrated time into a
 * rate ({@code bytes / seconds}) and a rate back into a time, so a measured layer class is predicted exactly at
 * the sizes it was measured.
 */
public final class LayerClasses {
    /**
     * Memory-bound layer classes, as used in profile keys ({@code "batch_norm.fwd"}); {@code loss} is the mean
     * squared error, {@code loss_ce} the softmax cross-entropy.
     */
    public static final List<String> ALL = List.of("batch_norm", "activation", "add", "concat", "pool",
            "upsample_nearest", "upsample_bilinear", "global_avg_pool", "loss", "loss_ce");
    /**
     * Not a layer: allocating a zeroed tensor (the JVM clears the new array), which the engine's convolutions do
     * for their output and input gradient on every call; traffic = the elements written.
     */
    public static final String ALLOC = "alloc";

    private LayerClasses() {
    }

    /** The memory-bound class of a layer, or null for compute layers (conv, transposed conv, linear). */
    public static String of(LayerSpec spec) {
        if (spec instanceof BatchNormSpec) {
            return "batch_norm";
        }
        if (spec instanceof ActivationSpec) {
            return "activation";
        }
        if (spec instanceof AddSpec) {
            return "add";
        }
        if (spec instanceof ConcatSpec) {
            return "concat";
        }
        if (spec instanceof PoolSpec) {
            return "pool";
        }
        if (spec instanceof UpsampleSpec u) {
            return u.mode() == UpsampleSpec.Mode.NEAREST ? "upsample_nearest" : "upsample_bilinear";
        }
        if (spec instanceof GlobalAvgPoolSpec) {
            return "global_avg_pool";
        }
        if (spec instanceof LossSpec l) {
            return l.kind() == LossSpec.Kind.MSE ? "loss" : "loss_ce";
        }
        return null;
    }

    /**
     * Memory traffic of a layer class as multiples of its (input, output) element counts: forward reads/writes,
     * then backward reads/writes. Batch norm reads its input twice (statistics, normalisation); its backward
     * reads x and dy twice (two reductions, then dx).
     *
     * @param inputs number of inputs (add, concat)
     */
    public static double[] factors(String layerClass, int inputs) {
        return switch (layerClass) {
            case "batch_norm" -> new double[] {2, 1, 3, 2};
            case "activation" -> new double[] {1, 1, 1, 2};
            case "add" -> new double[] {1, 1, 0, 1 + inputs};
            case "loss", "loss_ce" -> new double[] {2, 0, 2, 0};
            case ALLOC -> new double[] {0, 1, 0, 1};
            default -> new double[] {1, 1, 1, 1};
        };
    }

    /** Modelled bytes of one pass ({@code "fwd"} or {@code "bwd"}) for the given element counts. */
    public static double bytes(String layerClass, int inputs, String pass, double inElements, double outElements) {
        double[] f = factors(layerClass, inputs);
        int o = pass.equals("fwd") ? 0 : 2;
        return (f[o] * inElements + f[o + 1] * outElements) * 4;
    }

    /** The profile key of a measured rate: {@code class + "." + pass}. */
    public static String key(String layerClass, String pass) {
        return layerClass + "." + pass;
    }

    /**
     * Key of the rate a class's kernel achieves on one rank from its own start to its own end while several ranks
     * share the host's cores ({@code CLASS.PASS.own}, in the host levels' {@code layer_rates}): the rate of a layer
     * that no exchange holds back, which each rank runs as soon as it has finished the layer before.
     */
    public static String ownKey(String layerClass, String pass) {
        return key(layerClass, pass) + ".own";
    }
}
