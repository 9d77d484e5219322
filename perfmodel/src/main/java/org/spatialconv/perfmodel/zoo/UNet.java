package org.spatialconv.perfmodel.zoo;

import org.spatialconv.perfmodel.net.ActivationSpec;
import org.spatialconv.perfmodel.net.BatchNormSpec;
import org.spatialconv.perfmodel.net.ConcatSpec;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.DeconvSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.NetworkBuilder;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.PoolSpec;

/**
 * A U-Net for PDE surrogates (field in, field out): {@code depth} encoder levels of two 3×3 conv + batch norm +
 * ReLU blocks with {@code base·2^l} channels and a 2×2 max pool, a bottleneck of {@code base·2^depth} channels,
 * decoder levels that upsample with a 2×2 stride-2 transposed conv halving the channels, concatenate the encoder's
 * skip, and apply two conv blocks; a 1×1 conv with bias gives {@code outChannels}; mean squared error loss.
 * Sample sides must be divisible by {@code 2^depth}.
 */
public final class UNet {
    /** The zoo's default: 1 input field (e.g. source term), 1 output field (solution). */
    public static final int IN_CHANNELS = 1;
    /** Output fields of the default U-Net. */
    public static final int OUT_CHANNELS = 1;
    /** Channels of the first level of the default U-Net. */
    public static final int BASE = 32;
    /** Number of 2× downsamplings of the default U-Net. */
    public static final int DEPTH = 4;

    private UNet() {
    }

    /** The zoo's default U-Net (1 → 1 channels, base 32, depth 4; about 7.8 M parameters). */
    public static NetworkSpec build() {
        return build(IN_CHANNELS, OUT_CHANNELS, BASE, DEPTH);
    }

    /** A U-Net with the given channels and depth. */
    public static NetworkSpec build(int inChannels, int outChannels, int base, int depth) {
        if (base < 1 || depth < 1) {
            throw new IllegalArgumentException("unet: base and depth must be >= 1");
        }
        NetworkBuilder b = new NetworkBuilder("unet", inChannels);
        String[] skips = new String[depth];
        String x = NetworkSpec.INPUT;
        for (int l = 0; l < depth; l++) {
            skips[l] = block(b, "enc" + l, base << l, x);
            x = b.add("pool" + l, PoolSpec.of(PoolSpec.Kind.MAX, 2, 2, 0));
        }
        x = block(b, "mid", base << depth, x);
        for (int l = depth - 1; l >= 0; l--) {
            String up = b.add("up" + l, DeconvSpec.of(base << l, 2, 2, 0, true), x);
            String cat = b.add("cat" + l, new ConcatSpec(), up, skips[l]);
            x = block(b, "dec" + l, base << l, cat);
        }
        b.add("head", ConvSpec.of(outChannels, 1, 1, 0, true), x);
        b.add("loss", new LossSpec(LossSpec.Kind.MSE));
        return b.build();
    }

    /** Two (3×3 conv, batch norm, ReLU) units; returns the last layer's name. */
    static String block(NetworkBuilder b, String prefix, int channels, String input) {
        b.add(prefix + ".conv1", ConvSpec.of(channels, 3, 1, 1, false), input);
        b.add(prefix + ".bn1", BatchNormSpec.DEFAULT);
        b.add(prefix + ".relu1", ActivationSpec.RELU);
        b.add(prefix + ".conv2", ConvSpec.of(channels, 3, 1, 1, false));
        b.add(prefix + ".bn2", BatchNormSpec.DEFAULT);
        return b.add(prefix + ".relu2", ActivationSpec.RELU);
    }
}
