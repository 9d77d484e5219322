package org.spatialconv.conv.cuda;

import java.util.Optional;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/** The custom kernels ({@link CudaConv}) as an engine; it owns the backward-filter split-K workspace. */
final class CustomConvEngine implements ConvEngine {
    static final String NAME = "custom";
    private final CudaConv conv;
    private final GrowingBuffer workspace;

    CustomConvEngine(CudaContext context, CudaConv conv) {
        this.conv = conv;
        this.workspace = new GrowingBuffer(context);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unsupported(ConvProblem p) {
        return Optional.empty();
    }

    @Override
    public void forward(DeviceArray x, Shape xs, DeviceArray w, Shape ws, DeviceArray bias, ConvGeometry g,
            DeviceArray y, Window win, CudaStream stream) {
        conv.forward(x, xs, w, ws, bias, g, y, win, stream);
    }

    @Override
    public void backwardData(DeviceArray dy, DeviceArray w, Shape ws, ConvGeometry g, DeviceArray dx, Shape xs,
            Window win, CudaStream stream) {
        conv.backwardData(dy, w, ws, g, dx, xs, win, stream);
    }

    @Override
    public void backwardFilter(DeviceArray x, Shape xs, DeviceArray dy, ConvGeometry g, DeviceArray dw, Shape ws,
            Window dyWindow, boolean accumulate, CudaStream stream) {
        DeviceArray work = workspace.atLeast(conv.backwardFilterWorkspace(xs, ws, g, dyWindow));
        conv.backwardFilter(x, xs, dy, g, dw, ws, dyWindow, accumulate, work, stream);
    }

    @Override
    public void close() {
        workspace.close();
    }
}
