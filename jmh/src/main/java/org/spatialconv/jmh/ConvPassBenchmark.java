package org.spatialconv.jmh;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.cpu.CpuBackend;
import org.spatialconv.conv.cpu.CpuConfig;

/**
 * JMH benchmarks of the three convolution passes of a backend at the layer shapes of issue 2 (stride 1, padding
 * (R-1)/2). Run with {@code OPENBLAS_NUM_THREADS=1} so the native BLAS does not add threads of its own:
 * {@code OPENBLAS_NUM_THREADS=1 java -jar jmh/target/benchmarks.jar ConvPassBenchmark -p threads=2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx8g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class ConvPassBenchmark {
    /** NxCxHxWxKxR (x-separated: JMH splits -p values at commas). */
    @Param({"1x16x1024x1024x16x3", "1x64x256x256x64x3", "8x64x56x56x64x3", "1x128x128x128x128x3"})
    public String shape;

    /** Worker threads of the backend. */
    @Param({"2"})
    public int threads;

    /** Registered backend name. */
    @Param({"cpu"})
    public String backend;

    /**
     * The CPU backend's algorithm for 3x3 stride-1 layers ({@code auto}, {@code gemm} or {@code winograd}, see
     * {@code CpuConfig.Algorithm}); compare them with {@code -p cpuAlgorithm=auto,gemm,winograd}. Ignored by other
     * backends.
     */
    @Param({"auto"})
    public String cpuAlgorithm;

    private Backend impl;
    private ConvGeometry g;
    private Tensor x;
    private Tensor w;
    private Tensor y;
    private Tensor dy;
    private Tensor dx;
    private Tensor dw;

    /** Creates the backend and random tensors once per trial. */
    @Setup(Level.Trial)
    public void setUp() {
        int[] s = Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
        g = ConvGeometry.square(s[5], 1, (s[5] - 1) / 2, 1, 1);
        Shape xs = Shape.nchw(s[0], s[1], s[2], s[3]);
        Shape ws = g.weightShape(s[1], s[4]);
        Shape ys = g.outputShape(xs, ws);
        Random rnd = new Random(7);
        x = random(rnd, xs);
        w = random(rnd, ws);
        dy = random(rnd, ys);
        y = Tensor.zeros(ys);
        dx = Tensor.zeros(xs);
        dw = Tensor.zeros(ws);
        if (backend.equals(CpuBackend.NAME)) {
            impl = new CpuBackend(CpuConfig.defaults(threads)
                    .withAlgorithm(CpuConfig.Algorithm.valueOf(cpuAlgorithm.toUpperCase(Locale.ROOT))));
        } else {
            impl = Backends.create(backend, BackendOptions.threads(threads));
        }
    }

    /** Closes the backend (stops its workers). */
    @TearDown(Level.Trial)
    public void tearDown() {
        impl.close();
    }

    /** Forward pass, no bias. */
    @Benchmark
    public void forward(Blackhole bh) {
        impl.convForward(x, w, null, g, y);
        bh.consume(y.data());
    }

    /** Gradient with respect to the input. */
    @Benchmark
    public void backwardData(Blackhole bh) {
        impl.convBackwardData(dy, w, g, dx);
        bh.consume(dx.data());
    }

    /** Gradient with respect to the weights. */
    @Benchmark
    public void backwardFilter(Blackhole bh) {
        impl.convBackwardFilter(x, dy, g, dw);
        bh.consume(dw.data());
    }

    private static Tensor random(Random rnd, Shape s) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextFloat() - 0.5f;
        }
        return new Tensor(s, d);
    }
}
