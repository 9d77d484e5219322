package org.spatialconv.conv.cuda;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * The non-convolution kernels on device-resident arrays: ReLU, batch normalisation (training statistics, apply,
 * backward), max/average pooling, bias add, SGD with momentum and Adam. Launches are queued on the stream and
 * not waited for. Semantics and index mappings are documented beside the kernels (native/src/main/cuda).
 */
public final class CudaOps {
    /** Threads per block of the elementwise kernels. */
    static final int ELEMENTWISE_THREADS = 256;
    /** Threads per block of the per-channel reductions (SC_BN_THREADS, SC_RED_THREADS). */
    static final int REDUCTION_THREADS = 256;

    private final KernelLauncher module;

    /** Launches through {@code module} (a {@link CudaModule} on a GPU). */
    public CudaOps(KernelLauncher module) {
        this.module = module;
    }

    private void elementwise(String kernel, long count, KernelArgs args, CudaStream stream) {
        module.launch(kernel, ConvLaunch.elementwiseGrid(count, ELEMENTWISE_THREADS), ELEMENTWISE_THREADS, stream, args);
    }

    private static int count(long n) {
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("element count out of range: " + n);
        }
        return (int) n;
    }

    /** y = max(x, 0) over {@code n} elements (y may be x). */
    public void reluForward(DeviceArray x, DeviceArray y, long n, CudaStream stream) {
        int c = count(n);
        elementwise("sc_relu_fwd", c, new KernelArgs().buffer(x).buffer(y).i(c), stream);
    }

    /** dx = dy where the forward output y > 0, else 0. */
    public void reluBackward(DeviceArray y, DeviceArray dy, DeviceArray dx, long n, CudaStream stream) {
        int c = count(n);
        elementwise("sc_relu_bwd", c, new KernelArgs().buffer(y).buffer(dy).buffer(dx).i(c), stream);
    }

    /** y[n][k][window] += bias[k] for an N,C,H,W tensor of shape {@code s} and window {@code [h0,h1) x [w0,w1)}. */
    public void biasAdd(DeviceArray y, Shape s, DeviceArray bias, int h0, int h1, int w0, int w1, CudaStream stream) {
        elementwise("sc_bias_add", (long) s.n() * s.c() * (h1 - h0) * (w1 - w0), new KernelArgs().buffer(y).buffer(bias)
                .i(s.n()).i(s.c()).i(s.h()).i(s.w()).i(h0).i(w0).i(h1 - h0).i(w1 - w0), stream);
    }

    /** y[n][k][window] += bias[k] over a 2-D window. */
    public void biasAdd(DeviceArray y, Shape s, DeviceArray bias, Window win, CudaStream stream) {
        biasAdd(y, s, bias, win.lo(0), win.hi(0), win.lo(1), win.hi(1), stream);
    }

    /** Per-channel mean and 1/sqrt(biased variance + eps) over N and space of {@code x} (shape N,C,spatial). */
    public void batchNormStats(DeviceArray x, Shape s, DeviceArray mean, DeviceArray invstd, float eps,
            CudaStream stream) {
        module.launch("sc_bn_stats", new int[] {s.c(), 1, 1}, REDUCTION_THREADS, stream, new KernelArgs().buffer(x)
                .buffer(mean).buffer(invstd).i(s.n()).i(s.c()).i(plane(s)).f(eps));
    }

    /** y = (x - mean) * invstd * gamma + beta per channel. */
    public void batchNormApply(DeviceArray x, Shape s, DeviceArray y, DeviceArray mean, DeviceArray invstd,
            DeviceArray gamma, DeviceArray beta, CudaStream stream) {
        elementwise("sc_bn_apply", s.size(), new KernelArgs().buffer(x).buffer(y).buffer(mean).buffer(invstd)
                .buffer(gamma).buffer(beta).i(s.n()).i(s.c()).i(plane(s)), stream);
    }

    /** dgamma, dbeta (overwritten) and dx of training-mode batch normalisation, given the forward statistics. */
    public void batchNormBackward(DeviceArray x, DeviceArray dy, Shape s, DeviceArray mean, DeviceArray invstd,
            DeviceArray gamma, DeviceArray dgamma, DeviceArray dbeta, DeviceArray dx, CudaStream stream) {
        module.launch("sc_bn_bwd_reduce", new int[] {s.c(), 1, 1}, REDUCTION_THREADS, stream, new KernelArgs()
                .buffer(x).buffer(dy).buffer(mean).buffer(invstd).buffer(dgamma).buffer(dbeta).i(s.n()).i(s.c())
                .i(plane(s)));
        elementwise("sc_bn_bwd_data", s.size(), new KernelArgs().buffer(x).buffer(dy).buffer(mean).buffer(invstd)
                .buffer(gamma).buffer(dgamma).buffer(dbeta).buffer(dx).i(s.n()).i(s.c()).i(plane(s)), stream);
    }

    /**
     * 2-D pooling geometry: kernel, stride and low-side padding per dimension; the output size is
     * {@code floor((I + 2*pad - kernel) / stride) + 1} (PyTorch's, ceil_mode off).
     */
    public record Pool(int kh, int kw, int sh, int sw, int ph, int pw) {
        /** Validates the values (padding at most half the kernel, as PyTorch requires). */
        public Pool {
            if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0 || 2 * ph > kh || 2 * pw > kw) {
                throw new IllegalArgumentException("bad pooling geometry " + kh + "x" + kw + " stride " + sh + "," + sw
                        + " padding " + ph + "," + pw);
            }
        }

        /** Output shape for input {@code x} (N,C,H,W). */
        public Shape outputShape(Shape x) {
            int oh = (x.h() + 2 * ph - kh) / sh + 1;
            int ow = (x.w() + 2 * pw - kw) / sw + 1;
            if (x.rank() != 4 || x.h() + 2 * ph < kh || x.w() + 2 * pw < kw) {
                throw new IllegalArgumentException("pooling window " + kh + "x" + kw + " does not fit input " + x);
            }
            return Shape.nchw(x.n(), x.c(), oh, ow);
        }

        int[] params(Shape x) {
            Shape y = outputShape(x);
            return new int[] {x.n(), x.c(), x.h(), x.w(), y.h(), y.w(), kh, kw, sh, sw, ph, pw};
        }
    }

    /** Max (recording the argmax, an int per output, in {@code argmax}) or average pooling forward. */
    public void poolForward(DeviceArray x, Shape xs, Pool p, DeviceArray y, DeviceArray argmax, boolean max,
            CudaStream stream) {
        elementwise("sc_pool_fwd", p.outputShape(xs).size(), new KernelArgs().buffer(x).buffer(y).buffer(argmax)
                .struct(p.params(xs)).i(max ? 1 : 0), stream);
    }

    /** dx (overwritten) of max pooling (through {@code argmax}) or average pooling. */
    public void poolBackward(DeviceArray dy, DeviceArray argmax, DeviceArray dx, Shape xs, Pool p, boolean max,
            CudaStream stream) {
        elementwise("sc_pool_bwd", xs.size(), new KernelArgs().buffer(dy).buffer(argmax).buffer(dx)
                .struct(p.params(xs)).i(max ? 1 : 0), stream);
    }

    /** PyTorch SGD with momentum {@code mu} and weight decay {@code wd}; {@code first} starts the momentum buffer. */
    public void sgdMomentum(DeviceArray w, DeviceArray g, DeviceArray v, long n, float lr, float mu, float wd,
            boolean first, CudaStream stream) {
        int c = count(n);
        elementwise("sc_sgd_momentum", c, new KernelArgs().buffer(w).buffer(g).buffer(v).i(c).f(lr).f(mu).f(wd)
                .i(first ? 1 : 0), stream);
    }

    /** Adam step {@code step} (1-based) with L2 weight decay {@code wd}; bias corrections computed here in double. */
    public void adam(DeviceArray w, DeviceArray g, DeviceArray m, DeviceArray v, long n, float lr, float b1, float b2,
            float eps, float wd, int step, CudaStream stream) {
        if (step < 1) {
            throw new IllegalArgumentException("Adam step must be >= 1, got " + step);
        }
        int c = count(n);
        float bc1 = (float) (1 - Math.pow(b1, step));
        float bc2 = (float) (1 - Math.pow(b2, step));
        elementwise("sc_adam", c, new KernelArgs().buffer(w).buffer(g).buffer(m).buffer(v).i(c).f(lr).f(b1).f(b2)
                .f(eps).f(wd).f(bc1).f(bc2), stream);
    }

    private static int plane(Shape s) {
        return s.size() / (s.n() * s.c());
    }
}
