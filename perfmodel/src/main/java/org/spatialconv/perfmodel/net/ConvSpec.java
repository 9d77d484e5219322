package org.spatialconv.perfmodel.net;

import java.util.List;
import org.spatialconv.conv.ConvGeometry;

/**
 * A 2-D convolution with its full geometry: kernel, stride, padding per side, dilation, groups, and whether it has
 * a bias. Output size per dimension is {@code floor((I + padLo + padHi - dil*(R-1) - 1) / stride) + 1}.
 */
public record ConvSpec(int outChannels, Hw kernel, Hw stride, Hw padLo, Hw padHi, Hw dilation, int groups,
        boolean bias) implements LayerSpec {

    /** @throws IllegalArgumentException if a value is out of range */
    public ConvSpec {
        if (outChannels < 1) {
            throw new IllegalArgumentException("conv: out_channels must be >= 1, got " + outChannels);
        }
        if (groups < 1 || outChannels % groups != 0) {
            throw new IllegalArgumentException("conv: groups must be >= 1 and divide out_channels " + outChannels
                    + ", got " + groups);
        }
        LayerSpec.checkWindow("conv", kernel, stride, padLo, padHi, dilation);
    }

    /** Square kernel, symmetric padding, no dilation, one group. */
    public static ConvSpec of(int outChannels, int kernel, int stride, int padding, boolean bias) {
        return new ConvSpec(outChannels, Hw.of(kernel), Hw.of(stride), Hw.of(padding), Hw.of(padding), Hw.of(1), 1,
                bias);
    }

    /** Square kernel with dilation (padding chosen by the caller). */
    public static ConvSpec dilated(int outChannels, int kernel, int padding, int dilation, boolean bias) {
        return new ConvSpec(outChannels, Hw.of(kernel), Hw.of(1), Hw.of(padding), Hw.of(padding), Hw.of(dilation),
                1, bias);
    }

    @Override
    public String type() {
        return "conv";
    }

    /** The geometry in the conv module's form. */
    public ConvGeometry geometry() {
        return new ConvGeometry(new int[] {kernel.h(), kernel.w()}, new int[] {stride.h(), stride.w()},
                new int[] {padLo.h(), padLo.w()}, new int[] {padHi.h(), padHi.w()},
                new int[] {dilation.h(), dilation.w()}, groups);
    }

    @Override
    public TensorShape outputShape(List<TensorShape> inputs) {
        TensorShape x = LayerSpec.single(inputs);
        if (x.c() % groups != 0) {
            throw new IllegalArgumentException("input has " + x.c() + " channels, not divisible by groups " + groups);
        }
        int oh = LayerSpec.windowOutput(x.h(), kernel.h(), stride.h(), padLo.h(), padHi.h(), dilation.h());
        int ow = LayerSpec.windowOutput(x.w(), kernel.w(), stride.w(), padLo.w(), padHi.w(), dilation.w());
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("input " + x.h() + "x" + x.w() + " is smaller than the kernel "
                    + kernel + " (dilation " + dilation + ") with padding " + padLo + "/" + padHi);
        }
        return new TensorShape(x.n(), outChannels, oh, ow);
    }

    @Override
    public long paramCount(List<TensorShape> inputs) {
        long c = LayerSpec.single(inputs).c();
        return (long) outChannels * (c / groups) * kernel.h() * kernel.w() + (bias ? outChannels : 0);
    }
}
