package org.spatialconv.perfmodel.net;

import java.util.List;

/** Upsampling by an integer factor, nearest or bilinear (align_corners = false, as PyTorch's default). */
public record UpsampleSpec(Mode mode, int scale) implements LayerSpec {
    /** Interpolation mode. */
    public enum Mode { NEAREST, BILINEAR }

    /** @throws IllegalArgumentException if the scale is below 1 */
    public UpsampleSpec {
        if (mode == null || scale < 1) {
            throw new IllegalArgumentException("upsample: mode required and scale must be >= 1, got " + scale);
        }
    }

    @Override
    public String type() {
        return "upsample";
    }

    @Override
    public TensorShape outputShape(List<TensorShape> inputs) {
        TensorShape x = LayerSpec.single(inputs);
        long h = (long) x.h() * scale;
        long w = (long) x.w() * scale;
        if (h > Integer.MAX_VALUE || w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("upsampled size overflows");
        }
        return new TensorShape(x.n(), x.c(), (int) h, (int) w);
    }
}
