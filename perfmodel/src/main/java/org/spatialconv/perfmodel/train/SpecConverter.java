package org.spatialconv.perfmodel.train;

import java.util.List;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.layers.Pooling;
import org.spatialconv.conv.layers.TransposedConv;
import org.spatialconv.conv.layers.Upsample;
import org.spatialconv.decomposition.net.ActivationLayer;
import org.spatialconv.decomposition.net.AddLayer;
import org.spatialconv.decomposition.net.BatchNormLayer;
import org.spatialconv.decomposition.net.ConcatLayer;
import org.spatialconv.decomposition.net.ConvLayer;
import org.spatialconv.decomposition.net.FullyConnectedLayer;
import org.spatialconv.decomposition.net.GlobalAvgPoolLayer;
import org.spatialconv.decomposition.net.Loss;
import org.spatialconv.decomposition.net.NetworkDef;
import org.spatialconv.decomposition.net.PoolLayer;
import org.spatialconv.decomposition.net.TransposedConvLayer;
import org.spatialconv.decomposition.net.UpsampleLayer;
import org.spatialconv.perfmodel.net.ActivationSpec;
import org.spatialconv.perfmodel.net.AddSpec;
import org.spatialconv.perfmodel.net.BatchNormSpec;
import org.spatialconv.perfmodel.net.ConcatSpec;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.DeconvSpec;
import org.spatialconv.perfmodel.net.GlobalAvgPoolSpec;
import org.spatialconv.perfmodel.net.Layer;
import org.spatialconv.perfmodel.net.LayerSpec;
import org.spatialconv.perfmodel.net.LinearSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.PoolSpec;
import org.spatialconv.perfmodel.net.UpsampleSpec;

/**
 * Turns a planner {@link NetworkSpec} into a trainable {@link NetworkDef}. The spec's single loss layer, which must
 * be the last layer, becomes the training {@link Loss}; everything else maps one to one. Errors name the layer.
 */
public final class SpecConverter {
    /** A converted network and the loss it is trained with. */
    public record Trainable(NetworkDef def, Loss loss) {
    }

    private SpecConverter() {
    }

    /** @throws IllegalArgumentException naming the first layer that cannot be trained */
    public static Trainable convert(NetworkSpec spec) {
        return convert(spec, java.util.Map.of());
    }

    /**
     * Converts with per-layer grids (n,h,w by layer name, e.g. from the planner); layers not in the map use the
     * network's grid.
     */
    public static Trainable convert(NetworkSpec spec, java.util.Map<String, int[]> grids) {
        NetworkDef def = new NetworkDef(spec.inputChannels());
        List<Layer> layers = spec.layers();
        Loss loss = null;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            LayerSpec s = l.spec();
            String[] in = l.inputs().toArray(new String[0]);
            try {
                if (s instanceof LossSpec ls) {
                    if (i != layers.size() - 1 || !l.inputs().get(0).equals(def.output())) {
                        throw new IllegalArgumentException("the loss must be the last layer and read the one before");
                    }
                    loss = ls.kind() == LossSpec.Kind.MSE ? Loss.MSE : Loss.SOFTMAX_CROSS_ENTROPY;
                    continue;
                }
                if (loss != null) {
                    throw new IllegalArgumentException("layers after the loss are not supported");
                }
                add(def, l.name(), s, grids.get(l.name()), in);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage().startsWith("layer '") ? e.getMessage()
                        : "layer '" + l.name() + "' (" + s.type() + "): " + e.getMessage(), e);
            }
        }
        if (loss == null) {
            throw new IllegalArgumentException("network '" + spec.name() + "' has no loss layer (mse_loss or "
                    + "softmax_ce_loss) to train with");
        }
        return new Trainable(def, loss);
    }

    private static void add(NetworkDef def, String name, LayerSpec s, int[] grid, String[] in) {
        if (s instanceof ConvSpec c) {
            ConvGeometry g = c.geometry();
            def.add(name, () -> new ConvLayer(g, c.outChannels(), c.bias()), grid, in);
        } else if (s instanceof DeconvSpec d) {
            ConvGeometry g = new ConvGeometry(new int[] {d.kernel().h(), d.kernel().w()},
                    new int[] {d.stride().h(), d.stride().w()}, new int[] {d.padLo().h(), d.padLo().w()},
                    new int[] {d.padHi().h(), d.padHi().w()}, new int[] {d.dilation().h(), d.dilation().w()},
                    d.groups());
            TransposedConv t = new TransposedConv(g, d.outputPadding().h(), d.outputPadding().w());
            def.add(name, () -> new TransposedConvLayer(t, d.outChannels(), d.bias()), grid, in);
        } else if (s instanceof BatchNormSpec b) {
            def.add(name, () -> new BatchNormLayer(b.eps(), b.momentum()), grid, in);
        } else if (s instanceof ActivationSpec a) {
            if (a.slope() < 0) {
                throw new IllegalArgumentException("negative leaky slope " + a.slope() + " is not supported");
            }
            def.add(name, () -> new ActivationLayer((float) a.slope()), grid, in);
        } else if (s instanceof PoolSpec p) {
            ConvGeometry g = new ConvGeometry(new int[] {p.kernel().h(), p.kernel().w()},
                    new int[] {p.stride().h(), p.stride().w()}, new int[] {p.padLo().h(), p.padLo().w()},
                    new int[] {p.padHi().h(), p.padHi().w()}, new int[] {1, 1}, 1);
            Pooling.Mode m = p.kind() == PoolSpec.Kind.MAX ? Pooling.Mode.MAX : Pooling.Mode.AVG;
            def.add(name, () -> new PoolLayer(m, g), grid, in);
        } else if (s instanceof UpsampleSpec u) {
            Upsample.Mode m = u.mode() == UpsampleSpec.Mode.NEAREST ? Upsample.Mode.NEAREST : Upsample.Mode.BILINEAR;
            def.add(name, () -> new UpsampleLayer(new Upsample(m, u.scale(), u.scale())), grid, in);
        } else if (s instanceof AddSpec) {
            def.add(name, AddLayer::new, grid, in);
        } else if (s instanceof ConcatSpec) {
            def.add(name, ConcatLayer::new, grid, in);
        } else if (s instanceof GlobalAvgPoolSpec) {
            def.add(name, GlobalAvgPoolLayer::new, grid, in);
        } else if (s instanceof LinearSpec f) {
            if (!f.bias()) {
                throw new IllegalArgumentException("fully connected layers without bias are not supported");
            }
            def.add(name, () -> new FullyConnectedLayer(f.outFeatures()), grid, in);
        } else {
            throw new IllegalArgumentException("layer type '" + s.type() + "' cannot be trained");
        }
    }
}
