package org.spatialconv.perfmodel.net;

import java.util.List;

/**
 * A 2-D transposed convolution (PyTorch's {@code ConvTranspose2d}): output size per dimension is
 * {@code (I-1)*stride - padLo - padHi + dil*(R-1) + outputPadding + 1}. Weights are C, K/groups, R, S.
 */
public record DeconvSpec(int outChannels, Hw kernel, Hw stride, Hw padLo, Hw padHi, Hw outputPadding, Hw dilation,
        int groups, boolean bias) implements LayerSpec {

    /** @throws IllegalArgumentException if a value is out of range */
    public DeconvSpec {
        if (outChannels < 1 || groups < 1 || outChannels % groups != 0) {
            throw new IllegalArgumentException("deconv: out_channels must be >= 1 and divisible by groups, got "
                    + outChannels + " / " + groups);
        }
        LayerSpec.checkWindow("deconv", kernel, stride, padLo, padHi, dilation);
        for (int s = 0; s < 2; s++) {
            int op = outputPadding.get(s);
            if (op < 0 || op >= Math.max(stride.get(s), dilation.get(s))) {
                throw new IllegalArgumentException("deconv: output_padding must be in [0, max(stride, dilation)), got "
                        + outputPadding);
            }
        }
    }

    /** Square kernel, symmetric padding, no output padding, no dilation, one group. */
    public static DeconvSpec of(int outChannels, int kernel, int stride, int padding, boolean bias) {
        return new DeconvSpec(outChannels, Hw.of(kernel), Hw.of(stride), Hw.of(padding), Hw.of(padding), Hw.of(0),
                Hw.of(1), 1, bias);
    }

    /**
     * The convolution whose backward-data pass this transposed convolution is: from this layer's output channels to
     * {@code inChannels}, with the same kernel, stride, dilation and groups and no padding. The engine runs this
     * layer's forward as that convolution's backward-data pass, its backward-data as that convolution's forward
     * and its weight gradient as that convolution's; the convolution's output is this layer's input.
     */
    public ConvSpec transposed(int inChannels) {
        return new ConvSpec(inChannels, kernel, stride, Hw.of(0), Hw.of(0), dilation, groups, false);
    }

    @Override
    public String type() {
        return "deconv";
    }

    @Override
    public TensorShape outputShape(List<TensorShape> inputs) {
        TensorShape x = LayerSpec.single(inputs);
        if (x.c() % groups != 0) {
            throw new IllegalArgumentException("input has " + x.c() + " channels, not divisible by groups " + groups);
        }
        int oh = out(x.h(), 0);
        int ow = out(x.w(), 1);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("padding " + padLo + "/" + padHi + " leaves an empty output for input "
                    + x.h() + "x" + x.w());
        }
        return new TensorShape(x.n(), outChannels, oh, ow);
    }

    private int out(int in, int s) {
        return (in - 1) * stride.get(s) - padLo.get(s) - padHi.get(s) + dilation.get(s) * (kernel.get(s) - 1)
                + outputPadding.get(s) + 1;
    }

    @Override
    public long paramCount(List<TensorShape> inputs) {
        long c = LayerSpec.single(inputs).c();
        return c * (outChannels / groups) * kernel.h() * kernel.w() + (bias ? outChannels : 0);
    }
}
