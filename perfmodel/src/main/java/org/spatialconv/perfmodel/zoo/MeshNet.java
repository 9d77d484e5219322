package org.spatialconv.perfmodel.zoo;

import org.spatialconv.perfmodel.net.ActivationSpec;
import org.spatialconv.perfmodel.net.BatchNormSpec;
import org.spatialconv.perfmodel.net.ConcatSpec;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.LayerSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.NetworkBuilder;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.UpsampleSpec;

/**
 * "meshnet": a fully convolutional per-pixel classifier for 2048×2048 mesh-quality fields, in the spirit of the
 * mesh-tangling model of Dryden et al. (IPDPS 2019). 18 input channels (per-zone mesh-quality and state fields),
 * 2 output classes (tangles / does not tangle) per pixel, softmax cross-entropy. Layers (docs/models.md says why):
 * <ol>
 *   <li>full resolution: 5×5 conv 18→32, 3×3 conv 32→32 (each + BN + LeakyReLU 0.2);</li>
 *   <li>three strided stages: 3×3/2 conv doubling channels (64, 128, 256), then a 3×3 conv;</li>
 *   <li>context at 1/8 resolution: two dilated 3×3 convs (dilation 2 and 4) at 256 channels;</li>
 *   <li>decoder: three times bilinear ×2 upsample, concat with the encoder stage of that size, 3×3 conv to
 *       128, 64, 32 channels;</li>
 *   <li>head: 1×1 conv with bias to 2 classes.</li>
 * </ol>
 * Sample sides must be divisible by 8. Convolutions before batch norm have no bias.
 */
public final class MeshNet {
    /** Input channels of the default meshnet. */
    public static final int IN_CHANNELS = 18;
    /** Output classes of the default meshnet. */
    public static final int CLASSES = 2;
    private static final double SLOPE = 0.2;

    private MeshNet() {
    }

    /** The zoo's default meshnet (18 channels in, 2 classes). */
    public static NetworkSpec build() {
        return build(IN_CHANNELS, CLASSES);
    }

    /** A meshnet with the given input channels and classes. */
    public static NetworkSpec build(int inChannels, int classes) {
        NetworkBuilder b = new NetworkBuilder("meshnet", inChannels);
        String full = unit(b, "stem1", ConvSpec.of(32, 5, 1, 2, false), NetworkSpec.INPUT);
        full = unit(b, "stem2", ConvSpec.of(32, 3, 1, 1, false), full);
        String[] skips = new String[3];
        skips[0] = full;
        String x = full;
        for (int s = 1; s <= 3; s++) {
            int c = 32 << s;
            x = unit(b, "down" + s + ".a", ConvSpec.of(c, 3, 2, 1, false), x);
            x = unit(b, "down" + s + ".b", ConvSpec.of(c, 3, 1, 1, false), x);
            if (s < 3) {
                skips[s] = x;
            }
        }
        x = unit(b, "context1", ConvSpec.dilated(256, 3, 2, 2, false), x);
        x = unit(b, "context2", ConvSpec.dilated(256, 3, 4, 4, false), x);
        for (int s = 2; s >= 0; s--) {
            int c = 32 << s;
            String up = b.add("up" + s, new UpsampleSpec(UpsampleSpec.Mode.BILINEAR, 2), x);
            String cat = b.add("cat" + s, new ConcatSpec(), up, skips[s]);
            x = unit(b, "dec" + s, ConvSpec.of(c, 3, 1, 1, false), cat);
        }
        b.add("head", ConvSpec.of(classes, 1, 1, 0, true), x);
        b.add("loss", new LossSpec(LossSpec.Kind.SOFTMAX_CE));
        return b.build();
    }

    private static String unit(NetworkBuilder b, String prefix, LayerSpec conv, String input) {
        b.add(prefix + ".conv", conv, input);
        b.add(prefix + ".bn", BatchNormSpec.DEFAULT);
        return b.add(prefix + ".act", ActivationSpec.leaky(SLOPE));
    }
}
