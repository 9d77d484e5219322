package org.spatialconv.conv.cuda;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * One convolution pass as an engine sees it, without the data: the key under which the engine selection is cached.
 * {@code window} lies in the output space for the forward and backward-filter passes (y / dy) and in the input
 * space for backward-data (dx), as in {@link CudaConv}.
 *
 * @param bias       forward only: a bias is added
 * @param accumulate backward-filter only: dw is added to, not overwritten
 */
public record ConvProblem(ConvPass pass, Shape xs, Shape ws, ConvGeometry g, Window window, boolean bias,
        boolean accumulate) {
    /** The output-space shape {@code y = conv(x, w)}. */
    public Shape ys() {
        return g.outputShape(xs, ws);
    }

    /** The shape of what the pass writes: y, dx or dw. */
    public Shape resultShape() {
        return switch (pass) {
            case FORWARD -> ys();
            case BACKWARD_DATA -> xs;
            case BACKWARD_FILTER -> ws;
        };
    }

    @Override
    public String toString() {
        return pass.label() + " x=" + xs + " w=" + ws + " " + g + " window=" + window + (bias ? " +bias" : "")
                + (accumulate ? " accumulate" : "");
    }
}
