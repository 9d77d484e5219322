package org.spatialconv.conv.cuda;

import static jcuda.jcublas.JCublas2.cublasCreate;
import static jcuda.jcublas.JCublas2.cublasDestroy;
import static jcuda.jcublas.JCublas2.cublasSetMathMode;
import static jcuda.jcublas.JCublas2.cublasSetPointerMode;
import static jcuda.jcublas.JCublas2.cublasSetStream;
import static jcuda.jcublas.JCublas2.cublasSgemm;
import static jcuda.jcublas.JCublas2.cublasSgemmStridedBatched;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import jcuda.Pointer;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasPointerMode;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * cuBLAS 12 through JCublas 12 as an engine for the one case that is a plain GEMM: 1x1 convolutions with stride 1,
 * no padding and one group, over bands of whole rows ({@link GemmMapping}). SGEMM in the default math mode (float32,
 * no TF32), host pointer mode. Bias is added by the custom {@code sc_bias_add} kernel. The handle is registered with
 * the context's tracker.
 *
 * <p>Only {@link SelectingConv} refers to this class, by name through reflection, and only after
 * {@link OptionalLibraries} found cuBLAS usable, so nothing else links against JCublas.
 */
final class CublasConvEngine extends ContextResource implements ConvEngine {
    static final String NAME = OptionalLibraries.CUBLAS;
    private static final Pointer ONE = Pointer.to(new float[] {1f});
    private static final Pointer ZERO = Pointer.to(new float[] {0f});

    private final CudaOps ops;
    private final cublasHandle handle = new cublasHandle();
    private final Map<ConvProblem, GemmMapping> mappings = new HashMap<>();

    /** Entry point for {@link SelectingConv} (called reflectively). */
    static ConvEngine open(CudaContext context, CudaOps ops) {
        return new CublasConvEngine(context, ops);
    }

    private CublasConvEngine(CudaContext context, CudaOps ops) {
        super(context, 0);
        this.ops = ops;
        context.makeCurrent();
        check(cublasCreate(handle), "cublasCreate");
        track("cuBLAS handle");
        try {
            check(cublasSetMathMode(handle, cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
            check(cublasSetPointerMode(handle, cublasPointerMode.CUBLAS_POINTER_MODE_HOST), "cublasSetPointerMode");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unsupported(ConvProblem p) {
        return ConvEngine.reasonOf(() -> GemmMapping.of(p));
    }

    @Override
    public void forward(DeviceArray x, Shape xs, DeviceArray w, Shape ws, DeviceArray bias, ConvGeometry g,
            DeviceArray y, Window win, CudaStream stream) {
        run(ConvCall.forward(x, xs, w, ws, bias, g, y, win), stream);
        if (bias != null) {
            ops.biasAdd(y, g.outputShape(xs, ws), bias, win, stream);
        }
    }

    @Override
    public void backwardData(DeviceArray dy, DeviceArray w, Shape ws, ConvGeometry g, DeviceArray dx, Shape xs,
            Window win, CudaStream stream) {
        run(ConvCall.backwardData(dy, w, ws, g, dx, xs, win), stream);
    }

    @Override
    public void backwardFilter(DeviceArray x, Shape xs, DeviceArray dy, ConvGeometry g, DeviceArray dw, Shape ws,
            Window dyWindow, boolean accumulate, CudaStream stream) {
        run(ConvCall.backwardFilter(x, xs, dy, g, dw, ws, dyWindow, accumulate), stream);
    }

    private void run(ConvCall call, CudaStream stream) {
        requireOpen("cuBLAS engine");
        GemmMapping m = mappings.computeIfAbsent(call.problem(), GemmMapping::of);
        context.makeCurrent();
        check(cublasSetStream(handle, new cudaStream_t(stream.handle())), "cublasSetStream");
        for (GemmMapping.Gemm gm : m.gemms()) {
            Pointer a = (gm.a() == GemmMapping.Operand.FIRST ? call.first() : call.second()).pointer(gm.aOffset());
            Pointer b = (gm.b() == GemmMapping.Operand.FIRST ? call.first() : call.second()).pointer(gm.bOffset());
            Pointer c = call.out().pointer(gm.cOffset());
            Pointer beta = gm.beta() == 0f ? ZERO : Pointer.to(new float[] {gm.beta()});
            int opA = gm.transA() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
            int opB = gm.transB() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
            if (gm.batch() == 1) {
                check(cublasSgemm(handle, opA, opB, gm.m(), gm.n(), gm.k(), ONE, a, gm.lda(), b, gm.ldb(), beta, c,
                        gm.ldc()), "cublasSgemm");
            } else {
                check(cublasSgemmStridedBatched(handle, opA, opB, gm.m(), gm.n(), gm.k(), ONE, a, gm.lda(), gm.strideA(),
                        b, gm.ldb(), gm.strideB(), beta, c, gm.ldc(), gm.strideC(), gm.batch()),
                        "cublasSgemmStridedBatched");
            }
        }
    }


    private static void check(int status, String call) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new FastPathException(call, status, cublasStatus.stringFor(status));
        }
    }

    @Override
    void release() {
        check(cublasDestroy(handle), "cublasDestroy");
    }
}
