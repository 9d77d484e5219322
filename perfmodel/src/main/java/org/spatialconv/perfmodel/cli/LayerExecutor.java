package org.spatialconv.perfmodel.cli;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Tensor;

/**
 * Runs one convolution layer of a fixed geometry on whole (global) tensors, however the work is spread: on one
 * backend, or split over ranks by the decomposition engine, which then scatters the inputs and gathers the
 * outputs. Outputs are written into tensors the caller allocates, so benchmarks time only the passes.
 */
public interface LayerExecutor extends AutoCloseable {
    /** The geometry this executor was opened for. */
    ConvGeometry geometry();

    /** {@code y = conv(x, w) + bias}; {@code bias} may be null. */
    void forward(Tensor x, Tensor w, Tensor bias, Tensor y);

    /** {@code dx} from the output gradient {@code dy} and the weights. */
    void backwardData(Tensor dy, Tensor w, Tensor dx);

    /** {@code dw} (overwritten) from the input {@code x} and the output gradient {@code dy}. */
    void backwardFilter(Tensor x, Tensor dy, Tensor dw);

    /** {@code db} (overwritten): the sum of {@code dy} over samples and space, per filter. */
    void biasBackward(Tensor dy, Tensor db);

    /** Releases backends and ranks. */
    @Override
    void close();
}
