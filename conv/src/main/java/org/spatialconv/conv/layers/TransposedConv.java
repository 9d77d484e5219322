package org.spatialconv.conv.layers;

import java.util.Arrays;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Transposed ("fractionally strided") convolution, defined as the adjoint of the convolution {@code conv}: its
 * forward pass is that convolution's backward-data, its backward-data is that convolution's forward, and its
 * weight gradient is that convolution's weight gradient with the roles of input and output gradient swapped.
 * Weights are laid out C_in, C_out/groups, R, S as in PyTorch's {@code ConvTranspose2d}, which is exactly the
 * K, C/groups, R, S layout of the adjoint convolution.
 *
 * <p>Output size per dimension: {@code O = (I-1)*stride - padLo - padHi + dil*(R-1) + 1 + outputPadding}, with
 * {@code 0 <= outputPadding < stride} so that the adjoint convolution maps O back to exactly I.
 */
public final class TransposedConv {
    private final ConvGeometry conv;
    private final int[] outputPadding;

    /**
     * @param conv the geometry of the convolution this layer is the transpose of
     * @param outputPadding extra rows/columns added at the high end of each output dimension, each below the stride
     */
    public TransposedConv(ConvGeometry conv, int... outputPadding) {
        if (outputPadding.length != conv.spatialRank()) {
            throw new IllegalArgumentException("output padding needs " + conv.spatialRank() + " entries, got "
                    + Arrays.toString(outputPadding));
        }
        for (int s = 0; s < outputPadding.length; s++) {
            if (outputPadding[s] < 0 || outputPadding[s] >= conv.stride(s)) {
                throw new IllegalArgumentException("output padding must be in [0, stride) per dimension, got "
                        + Arrays.toString(outputPadding) + " with stride " + conv.stride(s));
            }
        }
        this.conv = conv;
        this.outputPadding = outputPadding.clone();
    }

    /** The adjoint convolution's geometry. */
    public ConvGeometry conv() {
        return conv;
    }

    public int outputPadding(int s) {
        return outputPadding[s];
    }

    /** Output size along spatial dimension {@code s} for input size {@code in}. */
    public int outputSize(int s, int in) {
        return (in - 1) * conv.stride(s) - conv.padLo(s) - conv.padHi(s) + conv.span(s) + outputPadding[s];
    }

    /**
     * Validates shapes and returns the output shape.
     *
     * @param x input N, C_in, spatial
     * @param w weight C_in, C_out/groups, kernel
     */
    public Shape outputShape(Shape x, Shape w) {
        int d = conv.spatialRank();
        if (x.rank() != d + 2 || w.rank() != d + 2) {
            throw new IllegalArgumentException("transposed convolution needs " + (d + 2) + "-D input and weight, got "
                    + x + " and " + w);
        }
        if (w.dim(0) != x.c()) {
            throw new IllegalArgumentException("transposed convolution weight " + w + " expects " + w.dim(0)
                    + " input channels but input " + x + " has " + x.c());
        }
        int[] out = new int[d + 2];
        out[0] = x.n();
        out[1] = w.dim(1) * conv.groups();
        for (int s = 0; s < d; s++) {
            if (w.dim(2 + s) != conv.kernel(s)) {
                throw new IllegalArgumentException("weight " + w + " does not match kernel of " + conv);
            }
            out[2 + s] = outputSize(s, x.spatial(s));
            if (out[2 + s] < 1) {
                throw new IllegalArgumentException("transposed convolution output is empty along dimension " + s
                        + " for input " + x);
            }
        }
        Shape y = Shape.of(out);
        // The adjoint convolution must map the output back to exactly the input; this also re-validates groups.
        Shape back = conv.outputShape(y, w);
        if (!back.equals(x.with(1, back.c()))) {
            throw new IllegalStateException("transposed geometry inconsistent: " + y + " maps back to " + back);
        }
        return y;
    }

    /** y = transposedConv(x, w) + bias (bias per output channel, may be null). */
    public Tensor forward(Backend backend, Tensor x, Tensor w, Tensor bias) {
        Tensor y = Tensor.zeros(outputShape(x.shape(), w.shape()));
        backend.convBackwardData(x, w, conv, y);
        if (bias != null) {
            addBias(y, bias);
        }
        return y;
    }

    /** dx = conv(dy, w): the adjoint convolution's forward pass. */
    public Tensor backwardData(Backend backend, Tensor dy, Tensor w, Shape xShape) {
        Tensor dx = Tensor.zeros(xShape);
        backend.convForward(dy, w, null, conv, dx);
        return dx;
    }

    /** Weight gradient (into {@code dw}, overwriting): the adjoint convolution's filter gradient with x as its dy. */
    public void backwardFilter(Backend backend, Tensor x, Tensor dy, Tensor dw, boolean accumulate) {
        backend.convBackwardFilter(dy, x, conv, dw, org.spatialconv.conv.Window.full(x.shape()), accumulate);
    }

    /** Adds a per-channel bias to every element of {@code y}. */
    static void addBias(Tensor y, Tensor bias) {
        Shape s = y.shape();
        int plane = s.size() / (s.n() * s.c());
        float[] yd = y.data();
        float[] b = bias.data();
        if (b.length != s.c()) {
            throw new IllegalArgumentException("bias has " + b.length + " entries but output has " + s.c()
                    + " channels");
        }
        for (int n = 0; n < s.n(); n++) {
            for (int c = 0; c < s.c(); c++) {
                int base = (n * s.c() + c) * plane;
                float v = b[c];
                for (int i = 0; i < plane; i++) {
                    yd[base + i] += v;
                }
            }
        }
    }
}
