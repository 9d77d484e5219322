package org.spatialconv.conv.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;

/**
 * Multithreaded CPU backend: every pass is bounded im2col tiles times SGEMM, or for 3x3 stride-1 layers
 * Winograd F(2x2,3x3) tiles times SGEMM ({@link CpuConfig.Algorithm}).
 *
 * <p>Work is split into tasks of (sample, group, band of rows of the tensor the pass writes or reads), so a single
 * large sample still keeps every worker busy. Within a task, rows are processed in tiles whose im2col matrix fits
 * in {@link CpuConfig#scratchFloats()}, which bounds memory however large the layer is. Backward-data tasks own a
 * band of {@code dx} rows and recompute the few {@code dy} rows shared with the neighbouring band, so no two
 * workers write the same element; backward-filter workers sum into private partial gradients that are reduced at
 * the end.
 */
public final class CpuBackend implements Backend {
    /** The name users select this backend by. */
    public static final String NAME = "cpu";

    /** The oversubscription warning is logged once per process, not per backend. */
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private final CpuConfig config;
    private final WorkerPool pool;

    /** A backend with its own pool of {@code config.threads()} workers (the caller's thread is one of them). */
    public CpuBackend(CpuConfig config) {
        this.config = config;
        this.pool = new WorkerPool(config.threads());
        if (config.threads() > 1 && Sgemm.isNative() && Sgemm.mayOversubscribe() && !WARNED.getAndSet(true)) {
            System.getLogger(CpuBackend.class.getName()).log(System.Logger.Level.WARNING,
                    "OPENBLAS_NUM_THREADS is not 1: the native BLAS will start threads inside each of the "
                    + config.threads() + " CPU workers (2-3x slower); export OPENBLAS_NUM_THREADS=1");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Which kernels run, e.g. {@code cpu: im2col+sgemm, winograd F(2x2,3x3) for 3x3 stride-1 layers at least 64
     * wide with >= 128 channels and filters per group (>= 64 at widths >= 128), native BLAS (...), 2 thread(s)}.
     */
    public String describe() {
        String kernels = switch (config.algorithm()) {
            case AUTO -> "im2col+sgemm, winograd F(2x2,3x3) for 3x3 stride-1 layers at least " + Winograd.MIN_WIDTH
                    + " wide with >= " + Winograd.WIDE_CHANNELS + " channels and filters per group (>= "
                    + Winograd.MIN_CHANNELS + " at widths >= " + Winograd.WIDE_WIDTH + ")";
            case GEMM -> "im2col+sgemm (winograd off)";
            case WINOGRAD -> "winograd F(2x2,3x3) for every 3x3 stride-1 layer, im2col+sgemm for the others";
        };
        return NAME + ": " + kernels + ", " + Sgemm.describe() + ", " + config.threads() + " thread(s)"
                + (config.threads() > 1 && Sgemm.mayOversubscribe() ? " [WARNING: set OPENBLAS_NUM_THREADS=1]" : "");
    }

    /** The configuration this backend was created with. */
    public CpuConfig config() {
        return config;
    }

    @Override
    public void convForward(Tensor x, Tensor w, Tensor bias, ConvGeometry g, Tensor y, Window yWindow) {
        Shape ys = checkedOutput(g, x.shape(), w.shape());
        requireShape(y.shape(), ys, "y");
        if (bias != null && bias.shape().size() != ys.c()) {
            throw new IllegalArgumentException("bias has " + bias.shape().size() + " elements, expected " + ys.c());
        }
        requireWindow(yWindow, ys, "y");
        if (yWindow.isEmpty()) {
            return;
        }
        Passes.forward(new Geo(x.shape(), w.shape(), ys, g), x.data(), w.data(),
                bias == null ? null : bias.data(), y.data(), yWindow, config, pool);
    }

    @Override
    public void convBackwardData(Tensor dy, Tensor w, ConvGeometry g, Tensor dx, Window dxWindow) {
        Shape ys = checkedOutput(g, dx.shape(), w.shape());
        requireShape(dy.shape(), ys, "dy");
        requireWindow(dxWindow, dx.shape(), "dx");
        if (dxWindow.isEmpty()) {
            return;
        }
        ConvGeometry flipped = transposedGeometry(g);
        if (flipped != null) {
            // Stride 1: dx is a forward convolution of dy with the flipped, transposed kernel. That path copies
            // rows (im2col) instead of scattering sums (col2im), and needs no overlap between row bands.
            Tensor wt = flipTranspose(w, g.groups());
            Shape xs = dx.shape();
            Passes.forward(new Geo(dy.shape(), wt.shape(), xs, flipped), dy.data(), wt.data(), null, dx.data(),
                    dxWindow, config, pool);
            return;
        }
        Passes.backwardData(new Geo(dx.shape(), w.shape(), ys, g), dy.data(), w.data(), dx.data(), dxWindow, config,
                pool);
    }

    @Override
    public void convBackwardFilter(Tensor x, Tensor dy, ConvGeometry g, Tensor dw, Window dyWindow,
            boolean accumulate) {
        Shape ys = checkedOutput(g, x.shape(), dw.shape());
        requireShape(dy.shape(), ys, "dy");
        requireWindow(dyWindow, ys, "dy");
        if (!accumulate) {
            dw.fill(0f);
        }
        if (dyWindow.isEmpty()) {
            return;
        }
        Passes.backwardFilter(new Geo(x.shape(), dw.shape(), ys, g), x.data(), dy.data(), dw.data(), dyWindow,
                config, pool);
    }

    @Override
    public void biasBackward(Tensor dy, Tensor db, Window dyWindow, boolean accumulate) {
        Shape s = dy.shape();
        if (s.rank() != 4) {
            throw new IllegalArgumentException("dy must be N,C,H,W, got " + s);
        }
        if (db.shape().size() != s.c()) {
            throw new IllegalArgumentException("db has " + db.shape().size() + " elements, expected " + s.c());
        }
        requireWindow(dyWindow, s, "dy");
        float[] d = dy.data();
        float[] out = db.data();
        int h0 = dyWindow.lo(0);
        int h1 = dyWindow.hi(0);
        int w0 = dyWindow.lo(1);
        int w1 = dyWindow.hi(1);
        int plane = s.h() * s.w();
        pool.run(s.c(), (worker, k) -> {
            double acc = 0;
            for (int n = 0; n < s.n(); n++) {
                int base = (n * s.c() + k) * plane;
                for (int h = h0; h < h1; h++) {
                    float row = 0f;
                    for (int i = base + h * s.w() + w0, e = base + h * s.w() + w1; i < e; i++) {
                        row += d[i];
                    }
                    acc += row;
                }
            }
            out[k] = (float) (accumulate ? out[k] + acc : acc);
        });
    }

    /**
     * For stride 1, the geometry under which backward-data is a forward convolution of {@code dy}:
     * {@code dx[i] = sum_r dy[i + padLo - dil*(R-1) + r*dil] * w[R-1-r]}, so the new low padding is
     * {@code dil*(R-1) - padLo} and the high one {@code dil*(R-1) - padHi}. Null when a stride is not 1 or a
     * padding exceeds the dilated kernel (then the new padding would be negative).
     */
    static ConvGeometry transposedGeometry(ConvGeometry g) {
        int d = g.spatialRank();
        int[] lo = new int[d];
        int[] hi = new int[d];
        int[] kernel = new int[d];
        int[] ones = new int[d];
        int[] dil = new int[d];
        for (int s = 0; s < d; s++) {
            lo[s] = g.span(s) - 1 - g.padLo(s);
            hi[s] = g.span(s) - 1 - g.padHi(s);
            if (g.stride(s) != 1 || lo[s] < 0 || hi[s] < 0) {
                return null;
            }
            kernel[s] = g.kernel(s);
            ones[s] = 1;
            dil[s] = g.dilation(s);
        }
        return new ConvGeometry(kernel, ones, lo, hi, dil, g.groups());
    }

    /** Weights K,C/g,R,S to C,K/g,R,S with both spatial axes reversed (per group). */
    static Tensor flipTranspose(Tensor w, int groups) {
        Shape s = w.shape();
        int k = s.dim(0);
        int cg = s.dim(1);
        int r = s.dim(2);
        int sw = s.dim(3);
        int kg = k / groups;
        int taps = r * sw;
        float[] src = w.data();
        float[] dst = new float[src.length];
        for (int grp = 0; grp < groups; grp++) {
            for (int kk = 0; kk < kg; kk++) {
                for (int c = 0; c < cg; c++) {
                    int from = ((grp * kg + kk) * cg + c) * taps;
                    int to = ((grp * cg + c) * kg + kk) * taps;
                    for (int t = 0; t < taps; t++) {
                        dst[to + taps - 1 - t] = src[from + t];
                    }
                }
            }
        }
        return new Tensor(Shape.of(cg * groups, kg, r, sw), dst);
    }

    /** Stops the worker threads. */
    @Override
    public void close() {
        pool.close();
    }

    private static Shape checkedOutput(ConvGeometry g, Shape x, Shape w) {
        if (g.spatialRank() != 2) {
            throw new IllegalArgumentException("the CPU backend supports 2-D convolutions only, got "
                    + g.spatialRank() + " spatial dimensions");
        }
        return g.outputShape(x, w);
    }

    private static void requireShape(Shape got, Shape want, String what) {
        if (!got.equals(want)) {
            throw new IllegalArgumentException(what + " has shape " + got + ", expected " + want);
        }
    }

    private static void requireWindow(Window win, Shape shape, String what) {
        if (win.rank() != shape.spatialRank() || !win.fits(shape)) {
            throw new IllegalArgumentException(what + " window " + win + " does not fit shape " + shape);
        }
    }
}
