package org.spatialconv.conv.cuda;

import static jcuda.jcudnn.JCudnn.cudnnConvolutionBackwardData;
import static jcuda.jcudnn.JCudnn.cudnnConvolutionBackwardFilter;
import static jcuda.jcudnn.JCudnn.cudnnConvolutionForward;
import static jcuda.jcudnn.JCudnn.cudnnCreate;
import static jcuda.jcudnn.JCudnn.cudnnCreateConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateFilterDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroy;
import static jcuda.jcudnn.JCudnn.cudnnDestroyConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyFilterDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnFindConvolutionBackwardDataAlgorithm;
import static jcuda.jcudnn.JCudnn.cudnnFindConvolutionBackwardFilterAlgorithm;
import static jcuda.jcudnn.JCudnn.cudnnFindConvolutionForwardAlgorithm;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionBackwardDataAlgorithmMaxCount;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionBackwardFilterAlgorithmMaxCount;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionForwardAlgorithmMaxCount;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolution2dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolutionGroupCount;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolutionMathType;
import static jcuda.jcudnn.JCudnn.cudnnSetFilter4dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetStream;
import static jcuda.jcudnn.JCudnn.cudnnSetTensor;
import static jcuda.jcudnn.JCudnn.cudnnSetTensor4dDescriptorEx;
import static jcuda.jcudnn.JCudnn.cudnnTransformTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionBwdFilterAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionMode;
import jcuda.jcudnn.cudnnDataType;
import jcuda.jcudnn.cudnnDeterminism;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnMathType;
import jcuda.jcudnn.cudnnStatus;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.jcudnn.cudnnTensorFormat;
import jcuda.runtime.cudaStream_t;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * cuDNN 8 through JCudnn 11.7 as an engine. Windows and per-side padding become one cuDNN call each through
 * {@link CudnnMapping}: strided views of the real tensors where possible, a staging tensor (copied with
 * {@code cudnnTransformTensor}) where not. Per problem a plan keeps the descriptors and the algorithm that
 * {@code cudnnFind*Algorithm} measured fastest among the deterministic, float32 (FMA math, no TF32) ones with at
 * most {@link #MAX_WORKSPACE_BYTES} of workspace. The workspace and staging are leak-checked {@link DeviceBuffer}s
 * (through {@link GrowingBuffer}); handle and plans are {@link ContextResource}s of the context. Bias is added by the
 * custom {@code sc_bias_add} kernel. One stream at a time: the scratch memory is shared between calls.
 *
 * <p>Only {@link SelectingConv} refers to this class, by name through reflection, and only after
 * {@link OptionalLibraries} found cuDNN usable, so nothing else links against JCudnn.
 */
final class CudnnConvEngine extends ContextResource implements ConvEngine {
    static final String NAME = OptionalLibraries.CUDNN;
    /** The largest workspace an algorithm may use. */
    static final long MAX_WORKSPACE_BYTES = 1L << 30;
    private static final Pointer ONE = Pointer.to(new float[] {1f});
    private static final Pointer ZERO = Pointer.to(new float[] {0f});

    private final CudaOps ops;
    private final cudnnHandle handle = new cudnnHandle();
    private final GrowingBuffer workspace;
    private final GrowingBuffer staging;
    private final Map<ConvProblem, Plan> plans = new HashMap<>();

    /** Entry point for {@link SelectingConv} (called reflectively). */
    static ConvEngine open(CudaContext context, CudaOps ops) {
        return new CudnnConvEngine(context, ops);
    }

    private CudnnConvEngine(CudaContext context, CudaOps ops) {
        super(context, 0);
        this.ops = ops;
        context.makeCurrent();
        check(cudnnCreate(handle), "cudnnCreate");
        track("cuDNN handle");
        this.workspace = new GrowingBuffer(context);
        this.staging = new GrowingBuffer(context);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unsupported(ConvProblem p) {
        return ConvEngine.reasonOf(() -> CudnnMapping.of(p));
    }

    @Override
    public void forward(DeviceArray x, Shape xs, DeviceArray w, Shape ws, DeviceArray bias, ConvGeometry g,
            DeviceArray y, Window win, CudaStream stream) {
        Plan plan = plan(new ConvProblem(ConvPass.FORWARD, xs, ws, g, win, bias != null, false), stream);
        DeviceArray st = plan.direct ? null : staging.atLeast(plan.stagingFloats);
        Pointer out = plan.direct ? y.pointer(plan.outOffset) : st.pointer();
        check(cudnnConvolutionForward(handle, ONE, plan.view, x.pointer(plan.viewOffset), plan.filter, w.pointer(),
                plan.conv, plan.algo, workspace(plan), plan.workspaceBytes, ZERO, plan.out, out), "cudnnConvolutionForward");
        if (st != null) {
            check(cudnnTransformTensor(handle, ONE, plan.stagingBox, st.pointer(plan.stagingBoxOffset), ZERO, plan.realBox,
                    y.pointer(plan.realBoxOffset)), "cudnnTransformTensor(staging -> y)");
        }
        if (bias != null) {
            ops.biasAdd(y, g.outputShape(xs, ws), bias, win, stream);
        }
    }

    @Override
    public void backwardData(DeviceArray dy, DeviceArray w, Shape ws, ConvGeometry g, DeviceArray dx, Shape xs,
            Window win, CudaStream stream) {
        Plan plan = plan(new ConvProblem(ConvPass.BACKWARD_DATA, xs, ws, g, win, false, false), stream);
        check(cudnnConvolutionBackwardData(handle, ONE, plan.filter, w.pointer(), plan.out, outputSpace(plan, dy),
                plan.conv, plan.algo, workspace(plan), plan.workspaceBytes, ZERO, plan.view, dx.pointer(plan.viewOffset)),
                "cudnnConvolutionBackwardData");
    }

    @Override
    public void backwardFilter(DeviceArray x, Shape xs, DeviceArray dy, ConvGeometry g, DeviceArray dw, Shape ws,
            Window dyWindow, boolean accumulate, CudaStream stream) {
        Plan plan = plan(new ConvProblem(ConvPass.BACKWARD_FILTER, xs, ws, g, dyWindow, false, accumulate), stream);
        check(cudnnConvolutionBackwardFilter(handle, ONE, plan.view, x.pointer(plan.viewOffset), plan.out,
                outputSpace(plan, dy), plan.conv, plan.algo, workspace(plan), plan.workspaceBytes,
                accumulate ? ONE : ZERO, plan.filter, dw.pointer()), "cudnnConvolutionBackwardFilter");
    }

    /** dy as the backward call reads it: in place, or staged (zeros, then the copy rows of dy). */
    private Pointer outputSpace(Plan plan, DeviceArray dy) {
        if (plan.direct) {
            return dy.pointer(plan.outOffset);
        }
        DeviceArray st = staging.atLeast(plan.stagingFloats);
        check(cudnnSetTensor(handle, plan.out, st.pointer(), ZERO), "cudnnSetTensor(staging, 0)");
        check(cudnnTransformTensor(handle, ONE, plan.realBox, dy.pointer(plan.realBoxOffset), ZERO, plan.stagingBox,
                st.pointer(plan.stagingBoxOffset)), "cudnnTransformTensor(dy -> staging)");
        return st.pointer();
    }

    private Pointer workspace(Plan plan) {
        return workspace.atLeast((plan.workspaceBytes + Sizeof.FLOAT - 1) / Sizeof.FLOAT).pointer();
    }

    /** The problem's plan (made, with the algorithm search, on first use); binds the handle to the stream. */
    private Plan plan(ConvProblem p, CudaStream stream) {
        requireOpen("cuDNN engine");
        context.makeCurrent();
        check(cudnnSetStream(handle, new cudaStream_t(stream.handle())), "cudnnSetStream");
        Plan plan = plans.get(p);
        if (plan == null) {
            plan = new Plan(p);
            plans.put(p, plan);
        }
        return plan;
    }


    static void check(int status, String call) {
        if (status != cudnnStatus.CUDNN_STATUS_SUCCESS) {
            throw new FastPathException(call, status, cudnnStatus.stringFor(status));
        }
    }

    /** One algorithm of a Find result, whatever the pass. */
    private record Perf(int algo, int status, float millis, long memory, int determinism, int mathType) {
        boolean acceptable() {
            return status == cudnnStatus.CUDNN_STATUS_SUCCESS && determinism == cudnnDeterminism.CUDNN_DETERMINISTIC
                    && memory <= MAX_WORKSPACE_BYTES && (mathType == cudnnMathType.CUDNN_FMA_MATH
                            || mathType == cudnnMathType.CUDNN_DEFAULT_MATH);
        }
    }

    /** Descriptors, offsets and the algorithm of one problem. */
    private final class Plan extends ContextResource {
        final ConvProblem problem;
        final boolean direct;
        final cudnnTensorDescriptor view = new cudnnTensorDescriptor();
        final cudnnTensorDescriptor out = new cudnnTensorDescriptor();
        final cudnnTensorDescriptor realBox;
        final cudnnTensorDescriptor stagingBox;
        final cudnnFilterDescriptor filter = new cudnnFilterDescriptor();
        final cudnnConvolutionDescriptor conv = new cudnnConvolutionDescriptor();
        final List<cudnnTensorDescriptor> tensors = new ArrayList<>();
        final long viewOffset;
        final long outOffset;
        final long realBoxOffset;
        final long stagingBoxOffset;
        final long stagingFloats;
        int algo;
        long workspaceBytes;

        Plan(ConvProblem p) {
            super(CudnnConvEngine.this.context, 0);
            CudnnMapping m = CudnnMapping.of(p);
            this.problem = p;
            this.direct = m.direct();
            Shape xs = p.xs();
            Shape ys = p.ys();
            int n = xs.n();
            int k = ys.c();
            this.realBox = direct ? null : new cudnnTensorDescriptor();
            this.stagingBox = direct ? null : new cudnnTensorDescriptor();
            boolean registered = false;
            try {
                check(cudnnCreateFilterDescriptor(filter), "cudnnCreateFilterDescriptor");
                check(cudnnCreateConvolutionDescriptor(conv), "cudnnCreateConvolutionDescriptor");
                track("cuDNN plan for " + p);
                registered = true;
                ConvGeometry g = p.g();
                check(cudnnSetFilter4dDescriptor(filter, cudnnDataType.CUDNN_DATA_FLOAT, cudnnTensorFormat.CUDNN_TENSOR_NCHW,
                        p.ws().dim(0), p.ws().dim(1), p.ws().dim(2), p.ws().dim(3)), "cudnnSetFilter4dDescriptor");
                check(cudnnSetConvolution2dDescriptor(conv, m.pad()[0], m.pad()[1], g.stride(0), g.stride(1),
                        g.dilation(0), g.dilation(1), cudnnConvolutionMode.CUDNN_CROSS_CORRELATION,
                        cudnnDataType.CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor");
                check(cudnnSetConvolutionGroupCount(conv, g.groups()), "cudnnSetConvolutionGroupCount");
                check(cudnnSetConvolutionMathType(conv, cudnnMathType.CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
                tensor(view, n, xs.c(), m.viewLen(), xs);
                this.viewOffset = (long) m.viewLo()[0] * xs.w() + m.viewLo()[1];
                if (direct) {
                    tensor(out, n, k, m.outLen(), ys);
                    this.outOffset = (long) m.outLo()[0] * ys.w() + m.outLo()[1];
                    this.realBoxOffset = 0;
                    this.stagingBoxOffset = 0;
                    this.stagingFloats = 0;
                } else {
                    Shape st = Shape.nchw(n, k, m.outLen()[0], m.outLen()[1]);
                    tensor(out, n, k, m.outLen(), st);
                    tensor(realBox, n, k, m.copyLen(), ys);
                    tensor(stagingBox, n, k, m.copyLen(), st);
                    this.outOffset = 0;
                    this.realBoxOffset = (long) m.copyLo()[0] * ys.w() + m.copyLo()[1];
                    this.stagingBoxOffset = (long) (m.copyLo()[0] - m.outLo()[0]) * st.w() + m.copyLo()[1] - m.outLo()[1];
                    this.stagingFloats = m.stagingFloats(n, k);
                }
                find();
            } catch (RuntimeException e) {
                try {
                    if (registered) {
                        close();
                    } else {
                        destroy();
                    }
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }

        /** Creates {@code d} as an n, c, len[0], len[1] view with the strides of {@code whole}. */
        private void tensor(cudnnTensorDescriptor d, int n, int c, int[] len, Shape whole) {
            check(cudnnCreateTensorDescriptor(d), "cudnnCreateTensorDescriptor");
            tensors.add(d);
            int plane = whole.h() * whole.w();
            check(cudnnSetTensor4dDescriptorEx(d, cudnnDataType.CUDNN_DATA_FLOAT, n, c, len[0], len[1],
                    whole.c() * plane, plane, whole.w(), 1), "cudnnSetTensor4dDescriptorEx");
        }

        /** Measures the algorithms (cudnnFind*) and keeps the fastest acceptable one. */
        private void find() {
            int[] max = new int[1];
            int[] returned = new int[1];
            List<Perf> perfs = new ArrayList<>();
            String call;
            switch (problem.pass()) {
                case FORWARD -> {
                    call = "cudnnFindConvolutionForwardAlgorithm";
                    check(cudnnGetConvolutionForwardAlgorithmMaxCount(handle, max), "cudnnGetConvolutionForwardAlgorithmMaxCount");
                    cudnnConvolutionFwdAlgoPerf[] r = new cudnnConvolutionFwdAlgoPerf[max[0]];
                    Arrays.setAll(r, i -> new cudnnConvolutionFwdAlgoPerf());
                    check(cudnnFindConvolutionForwardAlgorithm(handle, view, filter, conv, out, max[0], returned, r), call);
                    for (int i = 0; i < returned[0]; i++) {
                        perfs.add(new Perf(r[i].algo, r[i].status, r[i].time, r[i].memory, r[i].determinism, r[i].mathType));
                    }
                }
                case BACKWARD_DATA -> {
                    call = "cudnnFindConvolutionBackwardDataAlgorithm";
                    check(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, max),
                            "cudnnGetConvolutionBackwardDataAlgorithmMaxCount");
                    cudnnConvolutionBwdDataAlgoPerf[] r = new cudnnConvolutionBwdDataAlgoPerf[max[0]];
                    Arrays.setAll(r, i -> new cudnnConvolutionBwdDataAlgoPerf());
                    check(cudnnFindConvolutionBackwardDataAlgorithm(handle, filter, out, conv, view, max[0], returned, r), call);
                    for (int i = 0; i < returned[0]; i++) {
                        perfs.add(new Perf(r[i].algo, r[i].status, r[i].time, r[i].memory, r[i].determinism, r[i].mathType));
                    }
                }
                default -> {
                    call = "cudnnFindConvolutionBackwardFilterAlgorithm";
                    check(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, max),
                            "cudnnGetConvolutionBackwardFilterAlgorithmMaxCount");
                    cudnnConvolutionBwdFilterAlgoPerf[] r = new cudnnConvolutionBwdFilterAlgoPerf[max[0]];
                    Arrays.setAll(r, i -> new cudnnConvolutionBwdFilterAlgoPerf());
                    check(cudnnFindConvolutionBackwardFilterAlgorithm(handle, view, out, conv, filter, max[0], returned, r),
                            call);
                    for (int i = 0; i < returned[0]; i++) {
                        perfs.add(new Perf(r[i].algo, r[i].status, r[i].time, r[i].memory, r[i].determinism, r[i].mathType));
                    }
                }
            }
            // Find returns the algorithms fastest first.
            Perf best = perfs.stream().filter(Perf::acceptable).findFirst().orElseThrow(() -> new IllegalStateException(
                    call + " offered no deterministic float32 algorithm within " + (MAX_WORKSPACE_BYTES >> 20)
                    + " MiB of workspace for " + problem + ": " + perfs));
            this.algo = best.algo();
            this.workspaceBytes = best.memory();
        }

        @Override
        void release() {
            destroy();
        }

        private void destroy() {
            RuntimeException first = null;
            for (cudnnTensorDescriptor d : tensors) {
                first = keep(first, cudnnDestroyTensorDescriptor(d), "cudnnDestroyTensorDescriptor");
            }
            first = keep(first, cudnnDestroyFilterDescriptor(filter), "cudnnDestroyFilterDescriptor");
            first = keep(first, cudnnDestroyConvolutionDescriptor(conv), "cudnnDestroyConvolutionDescriptor");
            if (first != null) {
                throw first;
            }
        }
    }

    private static RuntimeException keep(RuntimeException first, int status, String call) {
        if (status == cudnnStatus.CUDNN_STATUS_SUCCESS || first != null) {
            return first;
        }
        return new FastPathException(call, status, cudnnStatus.stringFor(status));
    }

    /** Plans, workspace and staging first, then the handle (even when one of those fails). */
    @Override
    void release() {
        try {
            for (Plan p : plans.values()) {
                p.close();
            }
            plans.clear();
            workspace.close();
            staging.close();
        } finally {
            context.makeCurrent();
            check(cudnnDestroy(handle), "cudnnDestroy");
        }
    }
}
