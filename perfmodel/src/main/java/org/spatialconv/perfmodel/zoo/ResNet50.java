package org.spatialconv.perfmodel.zoo;

import org.spatialconv.perfmodel.net.ActivationSpec;
import org.spatialconv.perfmodel.net.AddSpec;
import org.spatialconv.perfmodel.net.BatchNormSpec;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.GlobalAvgPoolSpec;
import org.spatialconv.perfmodel.net.LinearSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.NetworkBuilder;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.PoolSpec;

/**
 * ResNet-50 in torchvision's layout (v1.5: the stride of a downsampling bottleneck sits on its 3×3 conv):
 * 7×7/2 stem, 3×3/2 max pool, stages of 3, 4, 6, 3 bottlenecks (widths 64..512, expansion 4, projection shortcut
 * on each stage's first block), global average pool, fully connected to {@code classes}, softmax cross-entropy.
 * Convolutions have no bias (batch norm follows each); 25,557,032 parameters for 1000 classes.
 */
public final class ResNet50 {
    private static final int[] BLOCKS = {3, 4, 6, 3};
    private static final int EXPANSION = 4;

    private ResNet50() {
    }

    /** ResNet-50 for 3-channel images and {@code classes} classes. */
    public static NetworkSpec build(int classes) {
        NetworkBuilder b = new NetworkBuilder("resnet50", 3);
        b.add("conv1", ConvSpec.of(64, 7, 2, 3, false));
        b.add("bn1", BatchNormSpec.DEFAULT);
        b.add("relu1", ActivationSpec.RELU);
        String x = b.add("maxpool", PoolSpec.of(PoolSpec.Kind.MAX, 3, 2, 1));
        for (int stage = 0; stage < BLOCKS.length; stage++) {
            int width = 64 << stage;
            for (int block = 0; block < BLOCKS[stage]; block++) {
                int stride = (stage > 0 && block == 0) ? 2 : 1;
                String p = "layer" + (stage + 1) + "." + block + ".";
                b.add(p + "conv1", ConvSpec.of(width, 1, 1, 0, false), x);
                b.add(p + "bn1", BatchNormSpec.DEFAULT);
                b.add(p + "relu1", ActivationSpec.RELU);
                b.add(p + "conv2", ConvSpec.of(width, 3, stride, 1, false));
                b.add(p + "bn2", BatchNormSpec.DEFAULT);
                b.add(p + "relu2", ActivationSpec.RELU);
                b.add(p + "conv3", ConvSpec.of(width * EXPANSION, 1, 1, 0, false));
                String main = b.add(p + "bn3", BatchNormSpec.DEFAULT);
                String shortcut = x;
                if (block == 0) {
                    b.add(p + "downsample.conv", ConvSpec.of(width * EXPANSION, 1, stride, 0, false), x);
                    shortcut = b.add(p + "downsample.bn", BatchNormSpec.DEFAULT);
                }
                b.add(p + "add", new AddSpec(), main, shortcut);
                x = b.add(p + "relu3", ActivationSpec.RELU);
            }
        }
        b.add("avgpool", new GlobalAvgPoolSpec());
        b.add("fc", new LinearSpec(classes, true));
        b.add("loss", new LossSpec(LossSpec.Kind.SOFTMAX_CE));
        return b.build();
    }
}
