package org.spatialconv.conv.cuda;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * One pass with its device arrays, so it can be replayed on another engine or into other output memory (engine
 * trials). {@code first}/{@code second} are x and w (forward), dy and w (backward-data), x and dy (backward-filter).
 */
record ConvCall(ConvProblem problem, DeviceArray first, DeviceArray second, DeviceArray bias, DeviceArray out) {
    static ConvCall forward(DeviceArray x, Shape xs, DeviceArray w, Shape ws, DeviceArray bias, ConvGeometry g,
            DeviceArray y, Window win) {
        return new ConvCall(new ConvProblem(ConvPass.FORWARD, xs, ws, g, win, bias != null, false), x, w, bias, y);
    }

    static ConvCall backwardData(DeviceArray dy, DeviceArray w, Shape ws, ConvGeometry g, DeviceArray dx, Shape xs,
            Window win) {
        return new ConvCall(new ConvProblem(ConvPass.BACKWARD_DATA, xs, ws, g, win, false, false), dy, w, null, dx);
    }

    static ConvCall backwardFilter(DeviceArray x, Shape xs, DeviceArray dy, ConvGeometry g, DeviceArray dw, Shape ws,
            Window dyWindow, boolean accumulate) {
        return new ConvCall(new ConvProblem(ConvPass.BACKWARD_FILTER, xs, ws, g, dyWindow, false, accumulate), x, dy,
                null, dw);
    }

    /** The same call writing into {@code other}. */
    ConvCall withOutput(DeviceArray other) {
        return new ConvCall(problem, first, second, bias, other);
    }

    /** Queues this call on {@code engine}. */
    void runOn(ConvEngine engine, CudaStream stream) {
        ConvProblem p = problem;
        switch (p.pass()) {
            case FORWARD -> engine.forward(first, p.xs(), second, p.ws(), bias, p.g(), out, p.window(), stream);
            case BACKWARD_DATA -> engine.backwardData(first, second, p.ws(), p.g(), out, p.xs(), p.window(), stream);
            case BACKWARD_FILTER -> engine.backwardFilter(first, p.xs(), second, p.g(), out, p.ws(), p.window(),
                    p.accumulate(), stream);
        }
    }
}
