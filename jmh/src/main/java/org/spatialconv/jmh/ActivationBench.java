package org.spatialconv.jmh;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Activations;
import org.spatialconv.conv.layers.Threads;

/**
 * The engine's LeakyReLU kernels against the branching loops they replaced, side by side, on data whose signs
 * look random (feature maps deep in a network, after batch norm) and on smoothly varying data (the first
 * layers of a PDE field): {@code java -jar jmh/target/benchmarks.jar ActivationBench}. One thread, 16 channels
 * at 256×256 (1 Mi elements); each call allocates its output, as the engine's layers do.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class ActivationBench {
    private static final float SLOPE = 0.2f;

    /** Sign pattern of the input: {@code random} or {@code smooth}. */
    @Param({"random", "smooth"})
    public String data;

    private Tensor x;
    private Tensor dy;

    /** Fills the input and the output gradient once per trial. */
    @Setup
    public void setup() {
        Shape s = Shape.nchw(1, 16, 256, 256);
        x = Tensor.zeros(s);
        dy = Tensor.zeros(s);
        Random rnd = new Random(7);
        float[] xd = x.data();
        float[] g = dy.data();
        for (int i = 0; i < xd.length; i++) {
            int h = (i / 256) % 256;
            int w = i % 256;
            xd[i] = data.equals("random") ? (float) rnd.nextGaussian()
                    : (float) (Math.sin(h / 17.0) * Math.cos(w / 23.0) + 0.1 * Math.sin(i / 4096.0));
            g[i] = (float) rnd.nextGaussian();
        }
    }

    /** The engine's forward. */
    @Benchmark
    public Tensor forward() {
        return Activations.forward(Threads.ONE, x, SLOPE);
    }

    /** The engine's backward. */
    @Benchmark
    public Tensor backward() {
        return Activations.backward(Threads.ONE, dy, x, SLOPE);
    }

    /** The branching forward loop the engine used before (the baseline). */
    @Benchmark
    public Tensor forwardBranching() {
        Tensor y = Tensor.zeros(x.shape());
        float[] a = x.data();
        float[] b = y.data();
        for (int i = 0; i < a.length; i++) {
            float v = a[i];
            b[i] = v > 0 ? v : SLOPE * v;
        }
        return y;
    }

    /** The branching backward loop the engine used before (the baseline). */
    @Benchmark
    public Tensor backwardBranching() {
        Tensor dx = Tensor.zeros(x.shape());
        float[] a = x.data();
        float[] g = dy.data();
        float[] out = dx.data();
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] > 0 ? g[i] : SLOPE * g[i];
        }
        return dx;
    }
}
