package org.spatialconv.conv;

import java.util.Arrays;

/**
 * The geometry of a convolution over {@code d} spatial dimensions: kernel size, stride, padding on each side,
 * dilation (each per spatial dimension) and the number of groups. Validated on construction. The output-size
 * formula lives here and nowhere else:
 * {@code O = floor((I + padLo + padHi - dil*(R-1) - 1) / stride) + 1}.
 *
 * <p>Weights are laid out K, C/groups, R, S (PyTorch's layout).
 */
public final class ConvGeometry {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padLo;
    private final int[] padHi;
    private final int[] dilation;
    private final int groups;

    /**
     * Full constructor; every array has one entry per spatial dimension.
     *
     * @throws IllegalArgumentException if a value is out of range or the arrays differ in length
     */
    public ConvGeometry(int[] kernel, int[] stride, int[] padLo, int[] padHi, int[] dilation, int groups) {
        int d = kernel.length;
        if (d < 1 || stride.length != d || padLo.length != d || padHi.length != d || dilation.length != d) {
            throw new IllegalArgumentException("kernel, stride, padding and dilation must all have "
                    + "one entry per spatial dimension");
        }
        for (int s = 0; s < d; s++) {
            if (kernel[s] < 1) {
                throw new IllegalArgumentException("kernel size must be >= 1, got " + Arrays.toString(kernel));
            }
            if (stride[s] < 1) {
                throw new IllegalArgumentException("stride must be >= 1, got " + Arrays.toString(stride));
            }
            if (padLo[s] < 0 || padHi[s] < 0) {
                throw new IllegalArgumentException("padding must be >= 0");
            }
            if (dilation[s] < 1) {
                throw new IllegalArgumentException("dilation must be >= 1, got " + Arrays.toString(dilation));
            }
        }
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        }
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padLo = padLo.clone();
        this.padHi = padHi.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
    }

    /** Square 2-D geometry with symmetric padding: kernel r×r, stride, padding, dilation, groups. */
    public static ConvGeometry square(int r, int stride, int padding, int dilation, int groups) {
        return new ConvGeometry(new int[] {r, r}, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {padding, padding}, new int[] {dilation, dilation}, groups);
    }

    /** 2-D geometry with per-dimension values (height, width) and symmetric padding. */
    public static ConvGeometry of2d(int r, int s, int strideH, int strideW, int padH, int padW, int dilH, int dilW,
            int groups) {
        return new ConvGeometry(new int[] {r, s}, new int[] {strideH, strideW}, new int[] {padH, padW},
                new int[] {padH, padW}, new int[] {dilH, dilW}, groups);
    }

    public int spatialRank() {
        return kernel.length;
    }

    public int kernel(int s) {
        return kernel[s];
    }

    public int stride(int s) {
        return stride[s];
    }

    public int padLo(int s) {
        return padLo[s];
    }

    public int padHi(int s) {
        return padHi[s];
    }

    public int dilation(int s) {
        return dilation[s];
    }

    public int groups() {
        return groups;
    }

    /** Extent of the dilated kernel along {@code s}: {@code dil*(R-1)+1}. */
    public int span(int s) {
        return dilation[s] * (kernel[s] - 1) + 1;
    }

    /**
     * Output size along spatial dimension {@code s} for input size {@code in}; zero or negative means the kernel
     * does not fit in the padded input.
     */
    public int outputSize(int s, int in) {
        int padded = in + padLo[s] + padHi[s] - span(s);
        return padded < 0 ? 0 : padded / stride[s] + 1;
    }

    /** This geometry with the padding of spatial dimension {@code s} replaced (used for local sub-problems). */
    public ConvGeometry withPadding(int s, int lo, int hi) {
        int[] l = padLo.clone();
        int[] h = padHi.clone();
        l[s] = lo;
        h[s] = hi;
        return new ConvGeometry(kernel, stride, l, h, dilation, groups);
    }

    /** The expected weight shape K, C/groups, kernel... for {@code inChannels} inputs and {@code filters} outputs. */
    public Shape weightShape(int inChannels, int filters) {
        int[] d = new int[2 + kernel.length];
        d[0] = filters;
        d[1] = inChannels / groups;
        System.arraycopy(kernel, 0, d, 2, kernel.length);
        return Shape.of(d);
    }

    /**
     * Validates input and weight shapes against this geometry and returns the output shape.
     *
     * @throws IllegalArgumentException with a one-line, user-facing message on any mismatch
     */
    public Shape outputShape(Shape x, Shape w) {
        int d = kernel.length;
        if (x.rank() != d + 2) {
            throw new IllegalArgumentException("input must have " + (d + 2) + " dimensions (N,C,spatial), got " + x);
        }
        if (w.rank() != d + 2) {
            throw new IllegalArgumentException("weight must have " + (d + 2) + " dimensions (K,C/groups,kernel), got "
                    + w);
        }
        int c = x.c();
        int k = w.dim(0);
        if (c % groups != 0) {
            throw new IllegalArgumentException("input channels " + c + " are not divisible by groups " + groups);
        }
        if (k % groups != 0) {
            throw new IllegalArgumentException("filters " + k + " are not divisible by groups " + groups);
        }
        if (w.dim(1) != c / groups) {
            throw new IllegalArgumentException("weight has " + w.dim(1) + " input channels per group but input has "
                    + c + " channels in " + groups + " group(s) (expected " + c / groups + ")");
        }
        int[] out = new int[d + 2];
        out[0] = x.n();
        out[1] = k;
        for (int s = 0; s < d; s++) {
            if (w.dim(2 + s) != kernel[s]) {
                throw new IllegalArgumentException("weight kernel " + w + " does not match geometry kernel "
                        + Arrays.toString(kernel));
            }
            int o = outputSize(s, x.spatial(s));
            if (o < 1) {
                throw new IllegalArgumentException("kernel extent " + span(s) + " is larger than the padded input ("
                        + x.spatial(s) + " + " + padLo[s] + " + " + padHi[s] + ") along spatial dimension " + s);
            }
            out[2 + s] = o;
        }
        return Shape.of(out);
    }

    /** Multiply-accumulates of the forward pass for input {@code x} and {@code filters} outputs. */
    public long macs(Shape x, int filters) {
        Shape y = outputShape(x, weightShape(x.c(), filters));
        long m = (long) y.size() * (x.c() / groups);
        for (int s = 0; s < kernel.length; s++) {
            m *= kernel[s];
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvGeometry g && groups == g.groups && Arrays.equals(kernel, g.kernel)
                && Arrays.equals(stride, g.stride) && Arrays.equals(padLo, g.padLo) && Arrays.equals(padHi, g.padHi)
                && Arrays.equals(dilation, g.dilation);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {Arrays.hashCode(kernel), Arrays.hashCode(stride), Arrays.hashCode(padLo),
            Arrays.hashCode(padHi), Arrays.hashCode(dilation), groups});
    }

    @Override
    public String toString() {
        return "ConvGeometry[kernel=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", pad="
                + Arrays.toString(padLo) + "/" + Arrays.toString(padHi) + ", dilation=" + Arrays.toString(dilation)
                + ", groups=" + groups + "]";
    }
}
