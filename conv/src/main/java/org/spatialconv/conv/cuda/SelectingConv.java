package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * The convolution passes on device arrays through the fastest usable engine per problem: the custom kernels always,
 * cuDNN and cuBLAS where {@link OptionalLibraries} finds them usable and their engine opens. On the first call of a
 * problem (pass, shapes, geometry, window, bias, accumulate) each engine that supports it runs once into zeroed
 * scratch output (its result is compared with the custom kernels', relative L2 &lt; 1e-5) and {@value #TIMED_RUNS}
 * more times between CUDA events; the fastest accepted engine is kept for that problem ({@link EngineSelector}).
 * With only the custom kernels usable no trial runs. {@link EngineSelector#PROPERTY} / {@link EngineSelector#ENV}
 * force an engine. Same semantics and signatures as {@link CudaConv}'s passes, without the workspace argument.
 * One stream at a time: engines share their scratch memory between calls.
 */
public final class SelectingConv implements AutoCloseable {
    /** Timed runs per engine and problem after the checked first run (the median is compared). */
    static final int TIMED_RUNS = 3;
    /**
     * Every engine, in report order; the first is the reference. The optional engines are named like their
     * libraries, so naming them loads none of their classes.
     */
    static final List<String> ENGINES = List.of(CustomConvEngine.NAME, OptionalLibraries.CUDNN, OptionalLibraries.CUBLAS);

    private final CudaContext context;
    private final Map<String, ConvEngine> engines = new LinkedHashMap<>();
    private final EngineSelector<ConvProblem> selector;
    private final CudaTimer timer;

    /**
     * Opens the engines on {@code context}; the optional ones that cannot be used are recorded with the reason.
     *
     * @throws IllegalArgumentException / IllegalStateException if {@code policy} forces an unknown / unusable engine
     */
    public SelectingConv(CudaContext context, CudaConv conv, CudaOps ops, EngineSelector.Policy policy) {
        this.context = context;
        engines.put(CustomConvEngine.NAME, new CustomConvEngine(context, conv));
        Map<String, String> unusable = new LinkedHashMap<>();
        try {
            openOptional(engines, unusable, context, ops);
            this.selector = new EngineSelector<>(CustomConvEngine.NAME, ENGINES, unusable, policy);
            this.timer = new CudaTimer(context);
        } catch (RuntimeException e) {
            closeEngines(e);
            throw e;
        }
    }

    /**
     * Opens cuDNN and cuBLAS engines into {@code into}, or records in {@code unusable} why not: library status, a
     * missing class, a failed native load or a failed handle creation. Nothing here links against the bindings.
     */
    static void openOptional(Map<String, ConvEngine> into, Map<String, String> unusable, CudaContext context,
            CudaOps ops) {
        open(OptionalLibraries.CUDNN, "org.spatialconv.conv.cuda.CudnnConvEngine", into, unusable,
                context, ops);
        open(OptionalLibraries.CUBLAS, "org.spatialconv.conv.cuda.CublasConvEngine", into,
                unusable, context, ops);
    }

    /** Opens the engine named like its library ({@code cudnn}, {@code cublas}) from {@code className}. */
    private static void open(String engine, String className, Map<String, ConvEngine> into,
            Map<String, String> unusable, CudaContext context, CudaOps ops) {
        OptionalLibraries.Status s = OptionalLibraries.status(engine);
        if (!s.usable()) {
            unusable.put(engine, s.detail());
            return;
        }
        try {
            Class<?> c = Class.forName(className, true, SelectingConv.class.getClassLoader());
            into.put(engine, (ConvEngine) c.getDeclaredMethod("open", CudaContext.class, CudaOps.class)
                    .invoke(null, context, ops));
        } catch (InvocationTargetException e) {
            unusable.put(engine, "engine did not open: " + e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            unusable.put(engine, "engine did not load: " + e);
        }
    }

    /** Forward pass: y[window] = conv(x, w) (+ bias). */
    public void forward(DeviceArray x, Shape xs, DeviceArray w, Shape ws, DeviceArray bias, ConvGeometry g,
            DeviceArray y, Window win, CudaStream stream) {
        run(ConvCall.forward(x, xs, w, ws, bias, g, y, win), stream);
    }

    /** Backward-data pass: dx[window] = full backward-data sum. */
    public void backwardData(DeviceArray dy, DeviceArray w, Shape ws, ConvGeometry g, DeviceArray dx, Shape xs,
            Window win, CudaStream stream) {
        run(ConvCall.backwardData(dy, w, ws, g, dx, xs, win), stream);
    }

    /** Backward-filter pass: dw (+)= sum over the dy window. */
    public void backwardFilter(DeviceArray x, Shape xs, DeviceArray dy, ConvGeometry g, DeviceArray dw, Shape ws,
            Window dyWindow, boolean accumulate, CudaStream stream) {
        run(ConvCall.backwardFilter(x, xs, dy, g, dw, ws, dyWindow, accumulate), stream);
    }

    private void run(ConvCall call, CudaStream stream) {
        EngineSelector.Choice c = selector.choose(call.problem(), new DeviceTrials(call, stream));
        call.runOn(engines.get(c.engine()), stream);
    }

    /** Per engine: "usable" or why not. */
    public Map<String, String> engines() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String e : ENGINES) {
            m.put(e, engines.containsKey(e) ? "usable" : selector.unusable().get(e));
        }
        return m;
    }

    /** The choices made so far, per problem. */
    public Map<ConvProblem, EngineSelector.Choice> choices() {
        return selector.choices();
    }

    /** Trials of one call: each engine writes into fresh zeroed scratch memory, never into the caller's output. */
    private final class DeviceTrials implements EngineSelector.Trials<ConvProblem> {
        private final ConvCall call;
        private final CudaStream stream;

        DeviceTrials(ConvCall call, CudaStream stream) {
            this.call = call;
            this.stream = stream;
        }

        @Override
        public Optional<String> unsupported(String engine, ConvProblem key) {
            return engines.get(engine).unsupported(key);
        }

        @Override
        public EngineSelector.Trial run(String engine, ConvProblem key) {
            ConvEngine e = engines.get(engine);
            int n = key.resultShape().size();
            try (DeviceBuffer out = context.allocate(n)) {
                ConvCall c = call.withOutput(out);
                CudaCheck.check(cuMemsetD32Async(out.pointer(), 0, n, stream.handle()), "cuMemsetD32Async");
                c.runOn(e, stream);
                stream.synchronize();
                float[] result = new float[n];
                out.copyToHost(result);
                double[] t = new double[TIMED_RUNS];
                for (int i = 0; i < t.length; i++) {
                    timer.start(stream);
                    c.runOn(e, stream);
                    t[i] = timer.stopMillis(stream);
                }
                Arrays.sort(t);
                return new EngineSelector.Trial(result, t[t.length / 2]);
            }
        }
    }

    private void closeEngines(RuntimeException pending) {
        for (ConvEngine e : engines.values()) {
            try {
                e.close();
            } catch (RuntimeException ex) {
                if (pending == null) {
                    pending = ex;
                } else {
                    pending.addSuppressed(ex);
                }
            }
        }
        engines.clear();
        if (pending != null) {
            throw pending;
        }
    }

    /** Closes the engines (their workspaces, handles and plans) and the timer. */
    @Override
    public void close() {
        try {
            timer.close();
        } finally {
            closeEngines(null);
        }
    }
}
