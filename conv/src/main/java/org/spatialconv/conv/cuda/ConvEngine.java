package org.spatialconv.conv.cuda;

import java.util.Optional;
import java.util.function.Supplier;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * A way to compute the convolution passes on device-resident arrays, with {@link CudaConv}'s semantics: outputs
 * are written only inside the window, the rest keeps its contents; work is queued on the stream and not waited for.
 * Implementations: the custom kernels ({@link CustomConvEngine}), cuDNN ({@code CudnnConvEngine}) and cuBLAS for
 * 1x1 convolutions ({@code CublasConvEngine}); {@link SelectingConv} picks one per problem by measurement.
 * An engine owns its scratch memory (workspaces), freed by {@link #close()}.
 */
public interface ConvEngine extends AutoCloseable {
    /** Short name: {@code custom}, {@code cudnn}, {@code cublas}. */
    String name();

    /** Why this engine cannot compute {@code p}; empty when it can. */
    Optional<String> unsupported(ConvProblem p);

    /** y[window] = conv(x, w) (+ bias when non-null). */
    void forward(DeviceArray x, Shape xs, DeviceArray w, Shape ws, DeviceArray bias, ConvGeometry g, DeviceArray y,
            Window win, CudaStream stream);

    /** dx[window] = full backward-data sum. */
    void backwardData(DeviceArray dy, DeviceArray w, Shape ws, ConvGeometry g, DeviceArray dx, Shape xs, Window win,
            CudaStream stream);

    /** dw (+)= sum over the dy window of dy * x. */
    void backwardFilter(DeviceArray x, Shape xs, DeviceArray dy, ConvGeometry g, DeviceArray dw, Shape ws,
            Window dyWindow, boolean accumulate, CudaStream stream);

    /** {@link #unsupported}'s answer from a mapping that throws {@link UnsupportedOperationException} with the reason. */
    static Optional<String> reasonOf(Supplier<?> mapping) {
        try {
            mapping.get();
            return Optional.empty();
        } catch (UnsupportedOperationException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Frees the engine's device memory and library handles. */
    @Override
    void close();
}
