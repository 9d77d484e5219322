package org.spatialconv.conv.cuda;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.device.DeviceChecks;

/**
 * The {@link Backend} SPI on one GPU: host tensors are copied to device buffers, the convolution passes run on one
 * stream through {@link SelectingConv} (the custom kernels, or cuDNN / cuBLAS where usable and measured faster),
 * results are copied back. Outputs outside the window keep their host values (the output is uploaded first when
 * the window is partial). Calls are serialised on this instance; for device-resident work without copies use
 * {@link CudaConv} or {@link SelectingConv} directly.
 */
public final class CudaBackend implements Backend {
    private final CudaGpu gpu;
    private final CudaContext context;
    private final CudaStream stream;
    private final CudaConv conv;
    private final SelectingConv engines;

    /**
     * Opens a context on {@code options.device()}, loads the kernels from the native jar's fatbin and opens the
     * convolution engines; {@link EngineSelector#PROPERTY} / {@link EngineSelector#ENV} may force one.
     */
    public CudaBackend(BackendOptions options) {
        this(options, EngineSelector.Policy.fromSystem());
    }

    /** As above with an explicit engine policy (tests force each engine through it). */
    CudaBackend(BackendOptions options, EngineSelector.Policy policy) {
        CudaGpu g = CudaGpu.open(options.device());
        CudaStream st = null;
        try {
            st = g.context().createStream();
            this.engines = new SelectingConv(g.context(), g.conv(), g.ops(), policy);
        } catch (RuntimeException e) {
            throw CudaGpu.closing(g, st == null ? e : CudaGpu.closing(st, e));
        }
        this.stream = st;
        this.gpu = g;
        this.context = g.context();
        this.conv = g.conv();
    }

    @Override
    public String name() {
        return "cuda";
    }

    /** The context (for device queries). */
    public CudaContext context() {
        return context;
    }

    /** The convolution engines: which are usable, and the choice made per problem so far. */
    public SelectingConv engines() {
        return engines;
    }

    @Override
    public synchronized void convForward(Tensor x, Tensor w, Tensor bias, ConvGeometry g, Tensor y, Window win) {
        Shape ys = g.outputShape(x.shape(), w.shape());
        requireShape(y.shape(), ys, "y");
        requireWindow(win, ys, "output");
        if (bias != null && bias.shape().size() != ys.c()) {
            throw new IllegalArgumentException("bias has " + bias.shape().size() + " elements, expected " + ys.c());
        }
        if (win.isEmpty()) {
            return;
        }
        try (DeviceBuffer dx = upload(x); DeviceBuffer dw = upload(w); DeviceBuffer db = bias == null ? null : upload(bias);
             DeviceBuffer dy = full(win, ys) ? context.allocate(ys.size()) : upload(y)) {
            engines.forward(dx, x.shape(), dw, w.shape(), db, g, dy, win, stream);
            download(dy, y);
        }
    }

    @Override
    public synchronized void convBackwardData(Tensor dy, Tensor w, ConvGeometry g, Tensor dx, Window win) {
        Shape ys = g.outputShape(dx.shape(), w.shape());
        requireShape(dy.shape(), ys, "dy");
        requireWindow(win, dx.shape(), "input");
        if (win.isEmpty()) {
            return;
        }
        try (DeviceBuffer ddy = upload(dy); DeviceBuffer dw = upload(w);
             DeviceBuffer ddx = full(win, dx.shape()) ? context.allocate(dx.shape().size()) : upload(dx)) {
            engines.backwardData(ddy, dw, w.shape(), g, ddx, dx.shape(), win, stream);
            download(ddx, dx);
        }
    }

    @Override
    public synchronized void convBackwardFilter(Tensor x, Tensor dy, ConvGeometry g, Tensor dw, Window win,
            boolean accumulate) {
        Shape ys = g.outputShape(x.shape(), dw.shape());
        requireShape(dy.shape(), ys, "dy");
        requireWindow(win, ys, "output-gradient");
        if (win.isEmpty()) {
            if (!accumulate) {
                dw.fill(0f);
            }
            return;
        }
        try (DeviceBuffer dx = upload(x); DeviceBuffer ddy = upload(dy);
             DeviceBuffer ddw = accumulate ? upload(dw) : context.allocate(dw.shape().size())) {
            engines.backwardFilter(dx, x.shape(), ddy, g, ddw, dw.shape(), win, accumulate, stream);
            download(ddw, dw);
        }
    }

    @Override
    public synchronized void biasBackward(Tensor dy, Tensor db, Window win, boolean accumulate) {
        Shape ys = dy.shape();
        if (ys.rank() != 4) {
            throw new IllegalArgumentException("the CUDA backend is 2-D; dy has shape " + ys);
        }
        if (db.shape().size() != ys.c()) {
            throw new IllegalArgumentException("db has " + db.shape().size() + " elements, expected " + ys.c());
        }
        requireWindow(win, ys, "output-gradient");
        if (win.isEmpty()) {
            if (!accumulate) {
                db.fill(0f);
            }
            return;
        }
        try (DeviceBuffer ddy = upload(dy); DeviceBuffer ddb = accumulate ? upload(db) : context.allocate(ys.c())) {
            conv.biasBackward(ddy, ys, ddb, win, accumulate, stream);
            download(ddb, db);
        }
    }

    private DeviceBuffer upload(Tensor t) {
        DeviceBuffer b = context.allocate(t.data().length);
        try {
            b.copyFromHost(t.data());
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    private void download(DeviceBuffer b, Tensor t) {
        stream.synchronize();
        b.copyToHost(t.data());
    }

    private static boolean full(Window win, Shape s) {
        return win.equals(Window.full(s));
    }

    private static void requireShape(Shape got, Shape want, String what) {
        DeviceChecks.shape(got, want, what);
    }

    private static void requireWindow(Window win, Shape s, String space) {
        DeviceChecks.window(win, s, space);
    }

    /** Frees the engines, stream and the GPU (module, context); throws if buffers were leaked. */
    @Override
    public synchronized void close() {
        try {
            try {
                engines.close();
            } finally {
                stream.close();
            }
        } finally {
            gpu.close();
        }
    }
}
